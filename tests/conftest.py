"""Real app, real database (SQLite file, or PostgreSQL when DATABASE_URL is set), real index dir.

The schema always comes from the Alembic migrations, as in production: PostgreSQL is
migrated once per session; on SQLite one migrated file is made per session and copied
for each test (a copy takes ~1 ms, a migration run ~70 ms).
"""
import shutil

import pytest
from sqlalchemy import text

from marketplace import create_app
from marketplace.cli import init_db
from marketplace.config import environment_overrides
from models import db
from tests import factories

POSTGRES_URL = environment_overrides().get("SQLALCHEMY_DATABASE_URI")


def _reset_postgres(app):
    """Empty every table and restart the id sequences (schema migrated once per session)."""
    # DELETE in dependency order takes ~10 ms on these small tables; TRUNCATE takes ~0.5 s
    # (new files for every table), which before each of ~800 tests is most of the run.
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        sequences = conn.execute(text(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")).scalars().all()
        for name in sequences:
            conn.execute(text(f'ALTER SEQUENCE "{name}" RESTART'))


def drop_everything() -> None:
    """Drop every table of the current PostgreSQL schema, Alembic's version table included."""
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def _migrated_schema(tmp_path_factory):
    """PostgreSQL: the test database migrated from empty. SQLite: path of a migrated template file."""
    if POSTGRES_URL:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": POSTGRES_URL})
        with app.app_context():
            drop_everything()
            init_db()
            db.engine.dispose()
        return None
    folder = tmp_path_factory.mktemp("template")
    template = folder / "market.db"
    app = build_app(folder)
    with app.app_context():
        init_db()
        db.session.remove()
        db.engine.dispose()
    for leftover in ("market.db-wal", "market.db-shm"):
        assert not (folder / leftover).exists(), "the template must be checkpointed before it is copied"
    return template


def build_app(tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": POSTGRES_URL or f"sqlite:///{tmp_path / 'market.db'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app_config():
    """Override in a test module to change settings (e.g. turn CSRF on)."""
    return {}


@pytest.fixture
def app(tmp_path, _migrated_schema, app_config):
    if _migrated_schema is not None and "SQLALCHEMY_DATABASE_URI" not in app_config:
        shutil.copyfile(_migrated_schema, tmp_path / "market.db")
    app = build_app(tmp_path, **app_config)
    with app.app_context():
        if POSTGRES_URL:
            _reset_postgres(app)
        init_db()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An app context for direct service/model calls."""
    with app.app_context():
        yield


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username, password=factories.PASSWORD, next_url=None):
        url = "/auth/login" + (f"?next={next_url}" if next_url else "")
        return self._client.post(url, data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)
