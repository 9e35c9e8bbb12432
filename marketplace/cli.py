"""`flask` commands; each is a thin wrapper over a plain function."""
import hashlib
import secrets
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from models import ApiToken, Organisation, User, db
from models.user import ROLES

DEFAULT_ORG_TYPE = {"institute": "科研机构", "enterprise": "企业", "broker": "企业", "official": "机关", "admin": "其他"}

regions_cli = AppGroup("regions", help="行政区划 (GB/T 2260)")
users_cli = AppGroup("users", help="账号管理")
tokens_cli = AppGroup("tokens", help="API 令牌")
listings_cli = AppGroup("listings", help="成果与需求")
search_cli = AppGroup("search", help="全文检索索引")
contracts_cli = AppGroup("contracts", help="技术合同")


def init_db() -> tuple[int, int]:
    """Create missing tables and load the shipped regions; safe to run twice."""
    from marketplace.regions import load_shipped_regions

    db.create_all()
    counts = load_shipped_regions()
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
@click.option("--role", type=click.Choice(ROLES), required=True)
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
    db.session.commit()
    click.echo(f"已创建用户 {user.username}（{user.role_label}）")


def create_token(user: User, name: str = "") -> str:
    """Issue a bearer token; only its hash is stored."""
    raw = "tm_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=hashlib.sha256(raw.encode()).hexdigest(), name=name))
    db.session.flush()
    return raw


@tokens_cli.command("create")
@click.argument("username")
@click.option("--name", default="cli")
def tokens_create_command(username, name):
    """Print a new API bearer token for USERNAME."""
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None:
        raise click.ClickException(f"用户不存在：{username}")
    raw = create_token(user, name)
    db.session.commit()
    click.echo(raw)


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


def register(app: Flask) -> None:
    for command in (init_db_command, seed_demo_command, regions_cli, users_cli, tokens_cli, listings_cli,
                    search_cli, contracts_cli):
        app.cli.add_command(command)
