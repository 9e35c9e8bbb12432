"""`flask` commands; each is a thin wrapper over a plain function."""
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from marketplace.api.tokens import create_token, revoke_all, revoke_token, user_tokens
from marketplace.config import ensure_secret_key_file
from marketplace.security_log import ACCOUNT_CREATED, record
from models import ApiToken, Organisation, User, db
from models.user import ROLES, Role

DEFAULT_ORG_TYPE = {Role.INSTITUTE: "科研机构", Role.ENTERPRISE: "企业", Role.BROKER: "企业", Role.OFFICIAL: "机关",
                    Role.ADMIN: "其他"}

regions_cli = AppGroup("regions", help="行政区划 (GB/T 2260)")
users_cli = AppGroup("users", help="账号管理")
tokens_cli = AppGroup("tokens", help="API 令牌")
listings_cli = AppGroup("listings", help="成果与需求")
search_cli = AppGroup("search", help="全文检索索引")
contracts_cli = AppGroup("contracts", help="技术合同")
secret_key_cli = AppGroup("secret-key", help="会话签名密钥")


@secret_key_cli.command("ensure")
def secret_key_ensure_command():
    """Write a random key into the instance folder once (mode 0600), unless MARKET_SECRET_KEY is set."""
    if os.environ.get("MARKET_SECRET_KEY"):
        click.echo("已设置 MARKET_SECRET_KEY，使用该密钥，不生成密钥文件。")
        return
    path, created = ensure_secret_key_file(current_app.instance_path)
    click.echo(f"已生成会话密钥文件 {path}（仅本用户可读）。" if created else f"会话密钥文件已存在：{path}")


def init_db() -> tuple[int, int]:
    """Bring the schema to the newest migration and load the shipped regions; safe to run twice."""
    from marketplace.cache import ensure_tokens
    from marketplace.migrations import upgrade_schema
    from marketplace.regions import load_shipped_regions

    upgrade_schema()
    counts = load_shipped_regions()
    ensure_tokens()
    db.session.commit()
    return counts


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create (or upgrade) the schema and load the shipped regions."""
    added, updated = init_db()
    click.echo(f"数据库已就绪；行政区划新增 {added} 条，更新 {updated} 条。")


@regions_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def regions_load_command(path):
    """Add or update regions from a CSV file (code,name,province_code,province)."""
    from marketplace.regions import RegionFileError, load_regions

    with open(path, encoding="utf-8-sig") as handle:
        text = handle.read()
    try:
        added, updated = load_regions(text)
    except RegionFileError as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.exceptions.Exit(1)
    db.session.commit()
    click.echo(f"行政区划新增 {added} 条，更新 {updated} 条。")


def ensure_organisation(name: str, org_type: str, region_code: str) -> Organisation:
    """Find an organisation by name or create it."""
    from models import Region

    org = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if org is not None:
        return org
    if db.session.get(Region, region_code) is None:
        raise click.BadParameter(f"未知地区代码 {region_code}（先运行 flask init-db）", param_hint="--region")
    org = Organisation(name=name, org_type=org_type, region_code=region_code)
    db.session.add(org)
    db.session.flush()
    return org


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([role.value for role in ROLES]), required=True)
@click.option("--org", "org_name", help="单位名称；不存在时新建")
@click.option("--org-type", default=None, help="新建单位的类型（默认按角色）")
@click.option("--region", default="530100", show_default=True, help="新建单位的地区代码")
@click.option("--display-name", default="")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码")
def users_create_command(username, role, org_name, org_type, region, display_name, password_stdin):
    """Create an account of any role."""
    from marketplace.auth.services import AccountError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
    org = ensure_organisation(org_name, org_type or DEFAULT_ORG_TYPE[role], region) if org_name else None
    try:
        user = create_user(username, password, role, org, display_name=display_name)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc))
    record(ACCOUNT_CREATED, subject_user=user, organisation=org, detail=f"角色：{user.role}（命令行）")
    db.session.commit()
    click.echo(f"已创建用户 {user.username}（{user.role_label}）")


def _user_or_fail(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"用户不存在：{username}")
    return user


def _moment(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") + " UTC" if value else "—"


@tokens_cli.command("create")
@click.argument("username")
@click.option("--name", default="cli", help="令牌用途说明（最多 60 字）")
@click.option("--days", type=click.IntRange(min=1), default=None, help="有效天数（默认 API_TOKEN_DAYS，90 天）")
def tokens_create_command(username, name, days):
    """Print a new API bearer token for USERNAME (shown only this once)."""
    raw = create_token(_user_or_fail(username), name, days)
    db.session.commit()
    click.echo(raw)


@tokens_cli.command("list")
@click.argument("username")
def tokens_list_command(username):
    """List USERNAME's tokens: id, name, created, expires, last used, state."""
    tokens = user_tokens(_user_or_fail(username))
    if not tokens:
        click.echo("该用户没有 API 令牌。")
        return
    click.echo("id\t名称\t创建时间\t到期时间\t最近使用\t状态")
    for token in tokens:
        state = f"已撤销 {_moment(token.revoked_at)}" if token.revoked_at else "已过期" if token.is_expired else "有效"
        click.echo("\t".join([str(token.id), token.name or "—", _moment(token.created_at), _moment(token.expires_at),
                              _moment(token.last_used_at), state]))


@tokens_cli.command("revoke")
@click.argument("token_id", required=False, type=int)
@click.option("--all", "all_of", metavar="USERNAME", help="撤销该用户的全部令牌")
def tokens_revoke_command(token_id, all_of):
    """Revoke token TOKEN_ID (see `tokens list`), or every token of a user with --all USERNAME."""
    if (token_id is None) == (all_of is None):
        raise click.UsageError("请给出 TOKEN_ID，或使用 --all USERNAME（二者选一）。")
    if all_of is not None:
        count = revoke_all(_user_or_fail(all_of))
        db.session.commit()
        click.echo(f"已撤销 {count} 个令牌。")
        return
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"令牌不存在：{token_id}")
    if not revoke_token(token):
        click.echo(f"令牌 {token_id} 已于 {_moment(token.revoked_at)} 撤销。")
        return
    db.session.commit()
    click.echo(f"已撤销令牌 {token_id}（用户 {token.user.username}）。")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load realistic demo data; safe to run twice."""
    from marketplace.demo import seed_demo

    seed_demo(echo=click.echo)


@listings_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(["result", "need"]), required=True)
def listings_import_command(path, kind):
    """Import published results or needs from CSV or XLSX; a file with errors imports nothing."""
    from marketplace.listings.importer import ImportFailed, import_listings_file

    try:
        count = import_listings_file(path, kind, progress=click.echo)
    except ImportFailed as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"导入失败：{len(exc.problems)} 处错误，未导入任何记录。", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"已导入 {count} 条。")


@contracts_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def contracts_import_command(path):
    """Import registered contracts from CSV or XLSX; a file with any bad row imports nothing."""
    from marketplace.contracts.importer import ContractImportFailed, import_contracts_file
    from marketplace.tabular import TabularError

    try:
        report = import_contracts_file(path, progress=lambda message: click.echo(message, err=True))
    except (ContractImportFailed, TabularError) as exc:
        db.session.rollback()
        problems = getattr(exc, "problems", [str(exc)])
        for problem in problems:
            click.echo(problem, err=True)
        bad = getattr(exc, "bad_rows", 0)
        click.echo(f"导入失败：{bad or len(problems)} 行有错误，未导入任何合同。", err=True)
        raise click.exceptions.Exit(1)
    db.session.commit()
    click.echo(f"共 {report.rows:,} 行：新增 {report.added:,} 份，已存在跳过 {report.skipped:,} 份"
               f"（用时 {report.seconds:.1f} 秒）。")


@search_cli.command("reindex")
def search_reindex_command():
    """Rebuild the search index from the database."""
    import search_index

    total = search_index.rebuild(current_app, progress=click.echo)
    click.echo(f"索引已重建：{total} 条。")


@search_cli.command("sync")
@click.option("--wait", default=10.0, show_default=True, help="等待索引锁的秒数")
def search_sync_command(wait):
    """Apply the outbox changes this node's index has not seen yet."""
    import search_index
    from search_index import IndexBusy, IndexStale

    path = search_index.index_dir(current_app)
    try:
        result = search_index.sync_counts(current_app, lock_timeout=wait)
    except IndexBusy:
        raise click.ClickException(f"索引目录 {path} 正被其他进程写入（等待 {wait:g} 秒仍未释放），请稍后重试。")
    except IndexStale as exc:
        raise click.ClickException(f"{exc}\n请运行 flask search reindex 重建本节点的索引。")
    if result.changes:
        click.echo(f"已应用 {result.changes} 条变更，更新 {result.touched} 条成果/需求（{path}）。")
    else:
        click.echo(f"索引已是最新，没有待应用的变更（{path}）。")


@search_cli.command("status")
def search_status_command():
    """Show this node's index folder, watermark and pending changes; exit 1 if it needs a rebuild."""
    import search_index

    info = search_index.status(current_app)
    documents = "无索引" if info["documents"] is None else f"{info['documents']} 条"
    marker = f"（已清理到第 {info['marker']} 条）" if info["marker"] else ""
    click.echo(f"索引目录：{info['path']}")
    click.echo(f"已应用到：第 {info['upto']} 条变更（其后已应用 {info['seen']} 条，等待中的空号 {info['gaps']} 个）")
    click.echo(f"数据库变更记录：{info['rows']} 条，最新第 {info['newest'] or 0} 条{marker}")
    click.echo(f"待应用：{info['pending']} 条")
    click.echo(f"索引文档：{documents}")
    if info["problem"]:
        click.echo(f"状态：需要重建 —— {info['problem']}请运行 flask search reindex。", err=True)
        raise click.exceptions.Exit(1)
    if not info["built"] or not info["current_format"]:
        click.echo("状态：尚未建立索引（或格式已过时），请运行 flask search reindex。", err=True)
        raise click.exceptions.Exit(1)
    click.echo("状态：正常" + ("" if not info["pending"] else "（运行 flask search sync 立即应用）"))


@search_cli.command("prune")
@click.option("--keep-days", default=30.0, show_default=True, type=click.FloatRange(min=1),
              help="保留最近多少天的变更记录")
def search_prune_command(keep_days):
    """Delete outbox rows older than --keep-days; nodes behind them must reindex."""
    import search_index

    deleted, marker = search_index.prune(current_app, keep_days, progress=click.echo)
    if marker is None:
        click.echo(f"没有早于 {keep_days:g} 天的变更记录，无需清理。")
        return
    click.echo(f"已删除 {deleted} 条变更记录：第 {marker} 条及以前的记录已清理（第 {marker} 条留作清理标记）。"
               f"尚未应用到第 {marker} 条的节点须运行 flask search reindex。")


def register(app: Flask) -> None:
    from marketplace.backup.cli import backup_cli
    from marketplace.jobs.cli import jobs_cli

    for command in (init_db_command, seed_demo_command, regions_cli, users_cli, tokens_cli, listings_cli,
                    search_cli, contracts_cli, backup_cli, secret_key_cli, jobs_cli):
        app.cli.add_command(command)
