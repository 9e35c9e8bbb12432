"""PostgreSQL: pg_dump (custom format) and pg_restore, driven from the app's database URL.

The dump runs on a snapshot exported from a REPEATABLE READ transaction, and the
manifest's row counts are read in that same transaction, so they describe exactly
the rows in the dump. The restore is one transaction (`--single-transaction`):
it either replaces everything or changes nothing.
"""
import os
import re
import shutil
import subprocess
import time

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from marketplace.backup.archive import BackupError
from marketplace.backup.contents import describe

LOCK_TIMEOUT = "60s"
TICK_SECONDS = 5


def connection_url(app) -> tuple[str, dict]:
    """A libpq URL (without the password) and the environment that carries the password."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                       query=url.query)
    return plain.render_as_string(hide_password=False), env


def tool(app, name: str) -> str:
    """The path of pg_dump / pg_restore: BACKUP_PG_BIN_DIR when set, else the PATH."""
    folder = app.config.get("BACKUP_PG_BIN_DIR")
    path = os.path.join(folder, name) if folder else shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        raise BackupError(f"找不到 {name}：请安装与数据库服务器同一主版本的 PostgreSQL 客户端"
                          f"（如 apt-get install postgresql-client），或用环境变量 MARKET_BACKUP_PG_BIN_DIR "
                          f"指定其所在目录（如 /usr/lib/postgresql/16/bin）。")
    return path


def tool_version(path: str) -> tuple[int, str]:
    """(major version, full version text) of a PostgreSQL client program."""
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    match = re.search(r"(\d+)(?:\.(\d+))?", output)
    if not match:
        raise BackupError(f"无法识别 {path} 的版本：{output or '无输出'}")
    return int(match.group(1)), output


def _server_major(conn) -> int:
    return int(conn.scalar(text("SHOW server_version_num"))) // 10000


def dump(app, target: str, progress) -> tuple[dict, dict]:
    """pg_dump the database into `target`; returns (the manifest's description, version facts)."""
    from models import db

    pg_dump = tool(app, "pg_dump")
    major, version = tool_version(pg_dump)
    url, env = connection_url(app)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            server = _server_major(conn)
            server_text = conn.scalar(text("SHOW server_version"))
            if major < server:
                raise BackupError(f"pg_dump 版本（{major}）低于数据库服务器版本（{server}）：请安装 "
                                  f"postgresql-client-{server}，或用 MARKET_BACKUP_PG_BIN_DIR 指定新版本的目录。")
            description = describe(conn)
            _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}",
                  f"--lock-wait-timeout={LOCK_TIMEOUT}", f"--file={target}", f"--dbname={url}"],
                 env, "pg_dump 导出", progress, watch=target)
    return description, {"server_version": server_text, "pg_dump_version": version, "pg_dump_major": major}


def check_staged(app, path: str, manifest: dict) -> str:
    """The local pg_restore can read the dump; returns its path."""
    pg_restore = tool(app, "pg_restore")
    major, _version = tool_version(pg_restore)
    made_by = manifest.get("pg_dump_major") or 0
    if major < made_by:
        raise BackupError(f"这份备份由 PostgreSQL {made_by} 的 pg_dump 生成，本机 pg_restore 为 {major}："
                          f"请安装 postgresql-client-{made_by} 或更新版本，或用 MARKET_BACKUP_PG_BIN_DIR 指定。")
    listing = subprocess.run([pg_restore, "--list", path], capture_output=True, text=True, check=False)
    if listing.returncode != 0:
        raise BackupError(f"pg_restore 无法读取备份中的数据库文件：{_tail(listing.stderr)}")
    return pg_restore


def restore(app, pg_restore: str, path: str, progress) -> None:
    """Replace the database's objects with the dump's, in one transaction."""
    from models import db

    url, env = connection_url(app)
    # Waiting for a lock held by a running site would look like a hang: give up after a while.
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + f" -c lock_timeout={LOCK_TIMEOUT}").strip()
    db.session.remove()
    db.engine.dispose()  # our own idle connections must not hold locks the DROPs wait for
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          "--no-password", f"--dbname={url}", path], env, "pg_restore 恢复", progress,
         failure="恢复失败，数据库已回滚、未作任何改变")
    db.engine.dispose()


def _run(command: list[str], env: dict, label: str, progress, watch: str | None = None,
         failure: str = "执行失败") -> None:
    """Run a client program, reporting progress every few seconds; raise BackupError on failure."""
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while True:
        try:
            _out, err = process.communicate(timeout=TICK_SECONDS)
            break
        except subprocess.TimeoutExpired:
            size = f"，已写入 {os.path.getsize(watch) / 1e6:.1f} MB" if watch and os.path.exists(watch) else ""
            progress(f"{label}中… 已用 {time.monotonic() - started:.0f} 秒{size}")
    if process.returncode != 0:
        hint = ""
        if "version mismatch" in err or "unsupported version" in err:
            hint = "（客户端与服务器版本不匹配：请安装同一主版本的 PostgreSQL 客户端）"
        elif "lock timeout" in err:
            hint = "（表正被其他连接占用：请先停止各应用节点再恢复）"
        raise BackupError(f"{label}{failure}{hint}：{_tail(err)}")


def _tail(text_: str, lines: int = 8) -> str:
    return "\n".join((text_ or "").strip().splitlines()[-lines:])
