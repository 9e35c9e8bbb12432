"""Backups: the database and the uploaded files in one checked archive, and the way back.

An archive (`flask backup create`) is a .tar.gz holding `manifest.json` (when,
which database, schema revision, rows per table, money totals, SHA-256 of every
member), the database (an SQLite copy or a pg_dump custom-format file), the
contract attachments it refers to and the admins' search dictionary. The search
index is not in it: it is rebuilt from the database after a restore.

`flask backup restore` checks the whole archive before it touches anything,
replaces the database in one transaction, puts the files back, upgrades the
schema if the backup is older than the code, and rebuilds this node's index.
"""
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy.engine import make_url

from marketplace.backup import archive
from marketplace.backup.archive import BackupError, read_manifest
from marketplace.backup.contents import attachment_file, dictionary_file, table_counts

__all__ = ["create_backup", "restore_backup", "verify_backup", "read_manifest", "database_kind", "BackupError",
           "BackupReport", "RestoreReport"]

DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
KIND_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class BackupReport:
    path: str
    size: int
    seconds: float
    manifest: dict


@dataclass
class RestoreReport:
    seconds: float
    manifest: dict
    files: int
    upgraded_to: str | None = None
    indexed: int | None = None
    differences: list[str] = field(default_factory=list)


def database_kind(app) -> str:
    """'sqlite' or 'postgresql', from the app's database URL."""
    backend = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    if backend not in DATABASE_MEMBER:
        raise BackupError(f"不支持备份 {backend} 数据库。")
    return backend


def default_target(app, kind: str) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return os.path.join(app.instance_path, "backups", f"market-{kind}-{stamp}.tar.gz")


def create_backup(app, target: str | None = None, progress=None) -> BackupReport:
    """Write a backup archive of the database and its files; returns where and how big."""
    say = progress or (lambda _message: None)
    started = time.monotonic()
    kind = database_kind(app)
    if target and os.path.isdir(target):
        target = os.path.join(target, os.path.basename(default_target(app, kind)))
    target = os.path.abspath(target or default_target(app, kind))
    if os.path.exists(target):
        raise BackupError(f"文件已存在：{target}（请换一个文件名）。")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with tempfile.TemporaryDirectory(dir=os.path.dirname(target), prefix=".backup-") as stage:
        copy = os.path.join(stage, DATABASE_MEMBER[kind])
        say(f"正在复制 {KIND_LABELS[kind]} 数据库…")
        description, facts = _copy_database(app, kind, copy, say)
        members, missing = _members(app, kind, copy, description.pop("attachments"), stage)
        manifest = {"format": archive.FORMAT, "format_version": archive.FORMAT_VERSION,
                    "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "database": kind, **facts, **description, "missing_attachments": missing}
        say(f"正在写入备份文件（{len(members)} 个文件）…")
        size = archive.write(target, manifest, members, say)
    return BackupReport(target, size, time.monotonic() - started, read_manifest(target))


def _copy_database(app, kind: str, copy: str, say) -> tuple[dict, dict]:
    if kind == "sqlite":
        import sqlite3

        from marketplace.backup import sqlite as engine

        return engine.snapshot(app, copy), {"sqlite_version": sqlite3.sqlite_version}
    from marketplace.backup import postgres as engine

    return engine.dump(app, copy, say)


def _members(app, kind: str, copy: str, digests: list[str], stage: str):
    """The archive's members after the database: attachments the copy refers to, the dictionary."""
    members = [(DATABASE_MEMBER[kind], "database", copy)]
    missing = []
    for digest in digests:
        source = attachment_file(digest)
        if os.path.exists(source):
            members.append((f"attachments/{digest[:2]}/{digest}.pdf", "attachment", source))
        else:
            missing.append(digest)
    dictionary = dictionary_file(app)
    if dictionary:
        staged = os.path.join(stage, "search_dict.txt")  # a stable copy: admins may edit the live file
        shutil.copyfile(dictionary, staged)
        members.append(("search_dict.txt", "dictionary", staged))
    return members, missing


def verify_backup(app, path: str, progress=None) -> dict:
    """Check every member of an archive against its manifest, and that the database in it reads back.

    Returns the manifest. Nothing is restored; a PostgreSQL archive needs pg_restore here.
    """
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(path)), prefix=".verify-") as stage:
        manifest, local = archive.read(path, stage, progress)
        staged = local[archive.database_member(manifest)]
        if manifest["database"] == "sqlite":
            from marketplace.backup import sqlite as engine

            engine.check_staged(staged, manifest)
        else:
            from marketplace.backup import postgres as engine

            engine.check_staged(app, staged, manifest)
    return manifest


def restore_backup(app, path: str, progress=None, reindex: bool = True) -> RestoreReport:
    """Replace the database and files with the archive's; nothing changes if the archive is bad."""
    say = progress or (lambda _message: None)
    started = time.monotonic()
    kind = database_kind(app)
    with tempfile.TemporaryDirectory(dir=app.instance_path, prefix=".restore-") as stage:
        say("正在校验备份文件…")
        manifest, local = archive.read(path, stage, say)
        if manifest["database"] != kind:
            raise BackupError(f"这是 {KIND_LABELS.get(manifest['database'], manifest['database'])} 的备份，"
                              f"当前配置的数据库是 {KIND_LABELS[kind]}：不能恢复到不同种类的数据库。")
        _check_revision(manifest.get("schema_revision"))
        staged = local[archive.database_member(manifest)]
        _replace_database(app, kind, staged, manifest, say)
        files = _restore_files(app, manifest, local)
    report = RestoreReport(0.0, manifest, files)
    report.differences = _compare_counts(manifest)
    report.upgraded_to = _upgrade_if_older(manifest.get("schema_revision"), say)
    if reindex:
        import search_index

        say("正在重建本节点的检索索引…")
        report.indexed = search_index.rebuild(app, progress=say)
    report.seconds = time.monotonic() - started
    return report


def _replace_database(app, kind: str, staged: str, manifest: dict, say) -> None:
    if kind == "sqlite":
        from marketplace.backup import sqlite as engine

        engine.check_staged(staged, manifest)
        say("正在替换数据库（一个事务）…")
        engine.restore(app, staged)
        return
    from marketplace.backup import postgres as engine

    pg_restore = engine.check_staged(app, staged, manifest)
    say("正在恢复数据库（pg_restore，一个事务）…")
    engine.restore(app, pg_restore, staged, say)


def _restore_files(app, manifest: dict, local: dict[str, str]) -> int:
    """Put attachments and the dictionary back; files the backup does not know are left alone."""
    count = 0
    for entry in manifest["files"]:
        if entry["role"] == "attachment":
            target = attachment_file(entry["sha256"])  # content-addressed: the path comes from the hash
        elif entry["role"] == "dictionary":
            target = app.config["SEARCH_DICT_FILE"]
        else:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(local[entry["name"]], target + ".tmp")
        os.replace(target + ".tmp", target)
        count += 1
    return count


def _check_revision(revision: str | None) -> None:
    """Refuse a backup made by a newer version of the program (a schema this code does not know)."""
    if revision is None:
        return
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from marketplace.migrations import alembic_config

    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(f"备份的数据库结构版本 {revision} 不为本程序所知（备份来自更新的版本）："
                          f"请先升级程序再恢复。")


def _upgrade_if_older(revision: str | None, say) -> str | None:
    from marketplace.migrations import head_revision, upgrade_schema

    head = head_revision()
    if revision == head:
        return None
    say(f"备份的数据库结构版本为 {revision or '（迁移前）'}，正在升级到 {head}…")
    upgrade_schema()
    return head


def _compare_counts(manifest: dict) -> list[str]:
    """Tables whose row count now differs from the manifest (a running site may have written since)."""
    from models import db

    with db.engine.connect() as conn:
        now = table_counts(conn)
    return [f"{name}: 备份 {count} 行，现在 {now.get(name, 0)} 行"
            for name, count in manifest["tables"].items() if now.get(name) != count]
