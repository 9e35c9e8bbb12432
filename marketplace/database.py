"""Engine set-up (SQLite pragmas, write-intent transactions) and after-request bookkeeping writes."""
from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event, select, update
from sqlalchemy.exc import SQLAlchemyError

from models import db
from models.base import utcnow

READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")


def configure_engine(app: Flask) -> None:
    """Turn on WAL, foreign keys and a busy timeout for SQLite connections."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    busy_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, emit BEGIN (the documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A request that may write takes the write lock up front: a deferred
        # transaction that reads first and writes later fails with SQLITE_BUSY
        # instead of waiting when another writer got in between.
        if has_request_context() and request.method in READ_ONLY_METHODS:
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def touch(model, row_id: int, column: str, what: str) -> None:
    """Set `column` of one row to now in its own short transaction; bookkeeping never fails a request."""
    try:
        db.session.rollback()  # the view has committed what it meant to: start this write afresh
        db.session.execute(update(model).where(model.id == row_id).values({column: utcnow()}))
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("could not record the use of %s %s", what, row_id)


def locked_row(model, row_id: int):
    """The row read afresh under its row lock (PostgreSQL SELECT … FOR UPDATE; on SQLite a writing transaction
    already holds the write lock from its BEGIN IMMEDIATE), or None."""
    return db.session.scalar(select(model).where(model.id == row_id).with_for_update()
                             .execution_options(populate_existing=True))
