"""Alembic environment: migrate the app's own database with the app's own engine.

Runs inside the Flask app (through `flask db …` or `flask init-db`), so the engine
carries the app's SQLite pragmas (WAL, foreign keys, busy timeout, BEGIN IMMEDIATE).
"""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config

# Log through alembic.ini's handlers only when nothing has configured logging yet
# (the `flask db` / `flask init-db` commands); never disable the app's own loggers.
if not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option("sqlalchemy.url",
                       target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline():
    """Write the SQL to standard output (`flask db upgrade --sql`)."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_db.metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations on a connection of the app's engine."""

    def process_revision_directives(context, revision, directives):
        # `flask db migrate` with no model change writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)

    with target_db.engine.connect() as connection:
        # SQLite alters a table by copying it into a new one and dropping the old (Alembic's batch mode). With
        # foreign keys on, that DROP deletes every row that references the table ON DELETE CASCADE (a user's
        # tokens and sessions, a contract's history and attachments) or fails on the others. So foreign keys are
        # off while migrating (the pragma only takes effect outside a transaction) and checked before the commit.
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration leaves rows pointing at nothing: {broken[:10]}")
        finally:
            if sqlite:
                connection.rollback()
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
