"""Schema changes through Alembic (the `migrations/` folder, driven by Flask-Migrate)."""
from alembic import command
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect

from models import db

# Databases made by `create_all` before migrations existed hold exactly this revision.
BASELINE_REVISION = "0001_initial"
_heads: dict[str, str] = {}


def alembic_config():
    """Alembic's configuration for the app's `migrations/` folder."""
    migrate = current_app.extensions["migrate"]
    return migrate.migrate.get_config(migrate.directory)


def head_revision() -> str:
    """The newest revision in `migrations/versions` (read once per process: the files ship with the code)."""
    directory = current_app.extensions["migrate"].directory
    if directory not in _heads:
        _heads[directory] = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return _heads[directory]


def current_revision() -> str | None:
    """The revision the database is at (None: no migration has run)."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_schema() -> None:
    """Create or upgrade the schema to the newest revision.

    A database that already has tables but no `alembic_version` was created by
    `create_all` before migrations existed; it is stamped at the baseline first
    so the later revisions run on top of it.
    """
    tables = set(inspect(db.engine).get_table_names())
    config = alembic_config()
    if tables and "alembic_version" not in tables:
        command.stamp(config, BASELINE_REVISION)
    if current_revision() != head_revision():
        command.upgrade(config, "head")
