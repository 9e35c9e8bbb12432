"""Real app, real database (SQLite file, or PostgreSQL when DATABASE_URL is set), real index dir.

The schema always comes from the Alembic migrations, as in production: PostgreSQL is
migrated once per session; on SQLite one migrated file is made per session and copied
for each test (a copy takes ~1 ms, a migration run ~70 ms).
"""
import copy
import os
import shutil

import pytest
from sqlalchemy import text

import search_index
from marketplace import create_app
from marketplace.cli import init_db
from marketplace.config import environment_overrides
from models import Region, db
from tests import factories



def _worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker gets a database of its own (`<name>_gw0` …), created when missing."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).first() is None:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


if os.environ.get("DATABASE_URL") and os.environ.get("PYTEST_XDIST_WORKER"):
    # Subprocesses and apps built from the environment use the worker's database too.
    os.environ["DATABASE_URL"] = _worker_database(environment_overrides()["SQLALCHEMY_DATABASE_URI"],
                                                  os.environ["PYTEST_XDIST_WORKER"])
POSTGRES_URL = environment_overrides().get("SQLALCHEMY_DATABASE_URI")
# The test database need not survive a crash: commits do not wait for the WAL to reach the disk.
if POSTGRES_URL:
    POSTGRES_URL += ("&" if "?" in POSTGRES_URL else "?") + "options=-csynchronous_commit%3Doff"
# Per PostgreSQL test session: the reset statement and the fingerprint of the shipped regions.
_RESET_SQL: dict = {}


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, leave out what the database cannot change: tests that use no database at all (no app
    fixture and no `database` marker) and those marked `dialect_free`. The SQLite run has them all."""
    if not POSTGRES_URL:
        return
    kept, left_out = [], []
    for item in items:
        uses_database = "_migrated_schema" in getattr(item, "fixturenames", ()) or item.get_closest_marker("database")
        (left_out if item.get_closest_marker("dialect_free") or not uses_database else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def _region_fingerprint(conn) -> str:
    return conn.exec_driver_sql(
        "SELECT count(*) || ':' || coalesce(md5(string_agg(concat_ws('|', code, name, province_code, province), ','"
        " ORDER BY code)), '') FROM regions").scalar()


def _reset_postgres(app):
    """Empty every table but the shipped regions and the cache tokens, restart the id sequences, in one round trip.

    DELETE in dependency order takes a few ms on these small tables; TRUNCATE takes ~0.5 s
    (new files for every table). The regions are reloaded only when a test changed them.
    """
    with db.engine.begin() as conn:
        if "sql" not in _RESET_SQL:
            # The cache tokens stay: the DELETEs below replace the tokens of what they empty, as any write does.
            tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name not in ("regions", "cache_versions")]
            sequences = conn.execute(text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")).scalars().all()
            # setval, unlike ALTER SEQUENCE … RESTART, writes no new catalog row or file.
            restart = "SELECT " + ", ".join(f"setval('\"{name}\"', 1, false)" for name in sequences)
            # The security log refuses DELETE (production stays strict); only this reset lifts that, in its transaction.
            append_only = "ALTER TABLE security_log {} TRIGGER USER"
            _RESET_SQL["sql"] = "; ".join([append_only.format("DISABLE")] + [f'DELETE FROM "{name}"' for name in tables]
                                          + [append_only.format("ENABLE"), restart])
        conn.exec_driver_sql(_RESET_SQL["sql"])
        if _RESET_SQL.get("regions") != _region_fingerprint(conn):
            conn.execute(Region.__table__.delete())
            _RESET_SQL["regions"] = None
    if _RESET_SQL.get("regions") is None:
        init_db()
        with db.engine.connect() as conn:
            _RESET_SQL["regions"] = _region_fingerprint(conn)


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
            with db.engine.connect() as conn:
                _RESET_SQL["regions"] = _region_fingerprint(conn)
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
        # Cheapest argon2id cost: the hashing code is the same, a log-in costs microseconds instead of ~50 ms.
        "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 8, "PASSWORD_HASH_PARALLELISM": 1,
        # Jobs run before the committing call returns; mail goes to the instance folder's outbox (the mail
        # tests point MAIL_SERVER at a real local SMTP server, the queue tests JOBS_BACKEND at Redis).
        "JOBS_BACKEND": "inline", "MAIL_SERVER": None,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app_config():
    """Override in a test module to change settings (e.g. turn CSRF on)."""
    return {}


def fresh_app(tmp_path, migrated_schema, **overrides):
    """A new app on an empty migrated database: a copy of the SQLite template, or PostgreSQL emptied."""
    if migrated_schema is not None and "SQLALCHEMY_DATABASE_URI" not in overrides:
        shutil.copyfile(migrated_schema, tmp_path / "market.db")
    app = build_app(tmp_path, **overrides)
    if POSTGRES_URL or "SQLALCHEMY_DATABASE_URI" in overrides:
        with app.app_context():
            if POSTGRES_URL:
                _reset_postgres(app)
            else:
                init_db()
    return app


def close_app(app, keep_pool: bool = False) -> None:
    with app.app_context():
        db.session.remove()
        if not keep_pool:
            db.engine.dispose()


@pytest.fixture(scope="module")
def module_app(tmp_path_factory, _migrated_schema):
    """One app and empty database for a whole module whose tests share one world and change no state others read."""
    app = fresh_app(tmp_path_factory.mktemp("module"), _migrated_schema)
    yield app
    close_app(app)


# Settings that name a per-test folder: a shared app takes them afresh for each test.
PER_TEST_PATHS = ("SEARCH_INDEX_DIR", "SEARCH_DICT_FILE", "INSTANCE_PATH")
_shared_apps: dict = {}


def reused_app(folder_factory, tmp_path, migrated_schema, overrides):
    """The app built once per session for these settings, on a fresh copy of the empty database.

    Building an app costs ~50 ms (werkzeug compiles ~90 URL rules); most tests differ only
    in their folders. Settings are restored and the folders point into `tmp_path` each time.
    """
    key = tuple(sorted((k, repr(v)) for k, v in overrides.items() if k not in PER_TEST_PATHS))
    if key not in _shared_apps:
        app = build_app(folder_factory.mktemp("shared_app"), **overrides)
        _shared_apps[key] = (app, copy.deepcopy(dict(app.config)))
    app, config = _shared_apps[key]
    app.config.clear()
    app.config.update(copy.deepcopy(config))  # a test that changes a setting in place (a dict) leaks nothing
    instance = tmp_path / "instance"
    app.config.update(SEARCH_INDEX_DIR=str(tmp_path / "search_index"), INSTANCE_PATH=str(instance),
                      SEARCH_DICT_FILE=str(instance / "search_dict.txt"))
    app.config.update(overrides)
    app.instance_path = app.config["INSTANCE_PATH"]
    os.makedirs(app.instance_path, exist_ok=True)
    search_index.init_app(app)  # points the admins' dictionary at this test's instance folder
    if migrated_schema is not None:
        database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        for suffix in ("-wal", "-shm"):
            if os.path.exists(database + suffix):
                os.remove(database + suffix)
        shutil.copyfile(migrated_schema, database)
    else:
        with app.app_context():
            _reset_postgres(app)
    return app


# Most tests never search: the index follows the outbox when a search or suggestion is made
# (the catch-up path) instead of after every commit. Tests of the after-commit sync itself
# (test_search_sync, test_scale_out) are marked `own_app` and keep the production settings.
LAZY_INDEX = {"SEARCH_AUTO_SYNC": False, "SEARCH_CATCH_UP_SECONDS": 0}


@pytest.fixture
def app(request, tmp_path, tmp_path_factory, _migrated_schema, app_config):
    """The app on an empty database; tests marked `own_app` (a second app on the same files) get a new one."""
    if request.node.get_closest_marker("own_app") or "SQLALCHEMY_DATABASE_URI" in app_config:
        app = fresh_app(tmp_path, _migrated_schema, **app_config)
    else:
        app = reused_app(tmp_path_factory, tmp_path, _migrated_schema, {**LAZY_INDEX, **app_config})
    yield app
    # A shared app on PostgreSQL keeps its pool: a new server connection costs several ms.
    close_app(app, keep_pool=POSTGRES_URL is not None and app in (a for a, _ in _shared_apps.values()))


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
