"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
import re

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from marketplace.cli import init_db
from marketplace.migrations import BASELINE_REVISION, alembic_config, current_revision, head_revision
from models import Organisation, Region, SearchChange, db
from tests import factories as f
from tests.conftest import POSTGRES_URL, build_app, drop_everything

CHECK_SCHEMA = "models_check"


def normalise(value):
    """Reflection output without the scratch schema's name and with single spaces."""
    value = str(value).replace(f'"{CHECK_SCHEMA}".', "").replace(f"{CHECK_SCHEMA}.", "")
    return re.sub(r"\s+", " ", value).strip()


def reflect(connection, schema=None) -> dict:
    """Tables, columns, keys, indexes and constraints as plain comparable data."""
    insp = inspect(connection)
    shape = {}
    for table in sorted(set(insp.get_table_names(schema=schema)) - {"alembic_version"}):
        shape[table] = {
            "columns": [(c["name"], normalise(c["type"]), c["nullable"], normalise(c.get("default")))
                        for c in insp.get_columns(table, schema=schema)],
            "pk": insp.get_pk_constraint(table, schema=schema)["constrained_columns"],
            "fks": sorted((fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"],
                           tuple(fk["referred_columns"]), normalise(fk.get("options", {})))
                          for fk in insp.get_foreign_keys(table, schema=schema)),
            "indexes": sorted((ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                              for ix in insp.get_indexes(table, schema=schema)),
            "uniques": sorted((uq["name"], tuple(uq["column_names"]))
                              for uq in insp.get_unique_constraints(table, schema=schema)),
            "checks": sorted((ck["name"], normalise(ck["sqltext"]))
                             for ck in insp.get_check_constraints(table, schema=schema)),
        }
    return shape


def models_shape(tmp_path) -> dict:
    """The schema `create_all` makes straight from the models, reflected the same way."""
    if POSTGRES_URL:
        with db.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {CHECK_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {CHECK_SCHEMA}"))
        try:
            with db.engine.begin() as conn:
                conn.execute(text(f"SET LOCAL search_path TO {CHECK_SCHEMA}"))
                db.metadata.create_all(conn)
                return reflect(conn, schema=CHECK_SCHEMA)
        finally:
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {CHECK_SCHEMA} CASCADE"))
    plain = build_app(tmp_path / "models")
    with plain.app_context():
        try:
            db.metadata.create_all(db.engine)
            with db.engine.connect() as conn:
                return reflect(conn)
        finally:
            db.engine.dispose()


@pytest.fixture
def empty_db(tmp_path, _migrated_schema):
    """An app whose database has no tables at all (PostgreSQL: migrated back to the newest revision after)."""
    app = build_app(tmp_path / "empty")
    with app.app_context():
        if POSTGRES_URL:
            drop_everything()
        assert inspect(db.engine).get_table_names() == []
        yield app
        db.session.remove()
        if POSTGRES_URL:
            drop_everything()
            init_db()
        db.engine.dispose()


def test_migrated_schema_matches_the_models(app, tmp_path):
    with app.app_context():
        assert current_revision() == head_revision()
        with db.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
            migrated = reflect(conn)
        assert differences == [], "models changed without a migration: flask db migrate --rev-id …"
        expected = models_shape(tmp_path)
    assert migrated.keys() == expected.keys()
    for table in expected:
        assert migrated[table] == expected[table], table


def test_migrations_run_on_an_empty_database_and_back_down(empty_db):
    with empty_db.app_context():
        init_db()
        assert current_revision() == head_revision()
        assert db.session.get(Region, "530100").name == "昆明市"
        db.session.remove()
        command.downgrade(alembic_config(), "base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        assert current_revision() is None
        init_db()
        assert current_revision() == head_revision()
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []


def test_upgrade_from_the_previous_revision_keeps_the_data(empty_db):
    with empty_db.app_context():
        command.upgrade(alembic_config(), BASELINE_REVISION)
        assert "ix_search_changes_at" not in {ix["name"] for ix in inspect(db.engine).get_indexes("search_changes")}
        db.session.add(Region(code="530100", name="昆明市", province_code="530000", province="云南省"))
        org_id = f.make_org(name="昆明理工大学").id
        db.session.add(SearchChange(kind="result", listing_id=7))
        db.session.commit()
        db.session.remove()

        init_db()
        assert current_revision() == head_revision()
        assert "ix_search_changes_at" in {ix["name"] for ix in inspect(db.engine).get_indexes("search_changes")}
        assert db.session.scalar(select(Organisation.name).where(Organisation.id == org_id)) == "昆明理工大学"
        assert db.session.scalars(select(SearchChange.listing_id)).all() == [7]


def test_a_populated_database_goes_down_and_up_again_without_losing_a_row(empty_db):
    """Revisions that alter a table (on SQLite: copy it and drop the old one) keep every row of every other table:
    a user's token, follows and notices, a contract's history, attachments and amendments."""
    from marketplace.api.tokens import create_token
    from marketplace.contracts import amendments
    from tests.contract_helpers import amendment_data, draft, officials, parties, register_path

    down_to = "0015_tenders"
    with empty_db.app_context():
        init_db()  # the schema at head, with the regions
        seller, buyer = parties()
        seller_user = f.make_user("seller", "institute", seller)
        official = officials()[0]
        contract = draft(seller, buyer, seller_user)
        register_path(contract, seller_user, official)
        change = amendment_data(contract, title="改名")
        amendments.apply_for(contract, seller_user, "补充协议", change["data"], contract.contract_amount_fen,
                             contract.deductions, change["buyer"])
        create_token(seller_user, "migration")
        db.session.commit()
        db.session.remove()
        command.downgrade(alembic_config(), down_to)
        before = row_counts()
        command.upgrade(alembic_config(), "head")
        after = {table: count for table, count in row_counts().items() if table in before}
    assert after == before
    assert all(before[table] > 0 for table in ("users", "api_tokens", "contracts", "contract_events",
                                                "contract_amendments"))


def row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        tables = sorted(set(inspect(conn).get_table_names()) - {"alembic_version"})
        return {table: conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{table}"').scalar() for table in tables}


def test_a_database_made_by_create_all_is_adopted_by_the_migrations(empty_db):
    # Databases created before migrations existed hold the first revision's tables and no version table.
    with empty_db.app_context():
        # The baseline revision's tables, as create_all made them then (later revisions add to them).
        command.upgrade(alembic_config(), BASELINE_REVISION)
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
        db.session.add(Region(code="530100", name="昆明市", province_code="530000", province="云南省"))
        f.make_org(name="云南白药集团")
        db.session.commit()
        db.session.remove()

        init_db()
        init_db()
        assert current_revision() == head_revision()
        assert db.session.scalar(select(Organisation.name)) == "云南白药集团"
        db.session.remove()  # SQLite: the session's write transaction would block a second connection
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []


def test_init_db_command_migrates_and_is_safe_twice(runner, app):
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    with app.app_context():
        assert current_revision() == head_revision()
