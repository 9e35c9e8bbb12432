"""`flask seed-demo`: realistic demo data for Yunnan and Sichuan, safe to run twice.

Everything goes through the same services as the web pages, so listings carry a
real history (created → submitted → approved / returned). Existing rows are found
by their unique names (organisations, usernames, organisation + title) and left alone.
"""
from datetime import date, timedelta

import click
from sqlalchemy import inspect, select

from marketplace.auth.services import create_user
from marketplace.demo_data import BOUNTY_APPLICATIONS, DEMO_PASSWORD, NEEDS, ORGANISATIONS, RESULTS, USERS
from marketplace.listings import services as listing_services
from marketplace.listings.import_checks import ip_rights
from marketplace.money import parse_wan
from models import BountyApplication, ListingStatus, Organisation, Region, TechNeed, TechResult, User, db
from models.user import PUBLISHER_ROLES, Role

APPROVAL_NOTE = "材料齐全，同意发布。"
RETURN_REASON = "请补充关键技术指标的检测报告和知识产权证明材料。"


class DemoContext:
    """What the seeders share: organisations and users by key, and running counts."""

    def __init__(self, echo):
        self.echo = echo
        self.orgs: dict[str, Organisation] = {}
        self.users: dict[str, User] = {}
        self.created: dict[str, int] = {}

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    def owner(self, org_key: str) -> User:
        """The demo publisher account of an organisation."""
        return next(u for u in self.users.values() if u.organisation_id == self.orgs[org_key].id
                    and u.role in PUBLISHER_ROLES)

    def reviewer_for(self, region_code: str) -> User:
        """A city bureau reviews its city, a provincial bureau the rest of its province."""
        if region_code.startswith("5301"):
            return self.users["official_km"]
        return self.users["official_yn"] if region_code.startswith("53") else self.users["official_sc"]


# Later parts add their own idempotent seeders (matches, contracts) to this list;
# each is called with the DemoContext after listings and bounty applications exist.
from marketplace.demo_contracts import seed_registered_contracts  # noqa: E402
from marketplace.matching.demo import seed_brokers_and_matches  # noqa: E402
from marketplace.payments.demo import seed_payments  # noqa: E402
from marketplace.threads.demo import seed_threads  # noqa: E402
from marketplace.tenders.demo import seed_tenders  # noqa: E402
from marketplace.trading.demo import seed_trades  # noqa: E402

LATER_SEEDERS = [seed_brokers_and_matches, seed_threads, seed_trades, seed_tenders, seed_registered_contracts,
                 seed_payments]


def seed_demo(echo=print) -> dict[str, int]:
    """Create the demo organisations, users, listings and bounty applications; commits."""
    if not inspect(db.engine).has_table("regions") or db.session.get(Region, "530100") is None:
        raise click.ClickException("数据库未初始化，请先运行 flask init-db。")
    context = DemoContext(echo)
    _seed_organisations(context)
    _seed_users(context)
    db.session.commit()
    _seed_results(context)
    db.session.commit()
    _seed_needs(context)
    _seed_applications(context)
    for seeder in LATER_SEEDERS:
        seeder(context)
    db.session.commit()
    summary = "，".join(f"{label} {context.created.get(key, 0)}" for key, label in (
        ("organisations", "单位"), ("users", "账号"), ("results", "成果"), ("needs", "需求"),
        ("applications", "揭榜申请"), ("matches", "对接"), ("contracts", "登记合同")))
    echo(f"演示数据就绪（本次新增：{summary}）。")
    echo(f"演示账号密码均为：{DEMO_PASSWORD}")
    echo("账号：" + "、".join(username for username, *_rest in USERS))
    return context.created


def _seed_organisations(context: DemoContext) -> None:
    for key, (name, org_type, region_code) in ORGANISATIONS.items():
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            org = Organisation(name=name, org_type=org_type, region_code=region_code)
            db.session.add(org)
            context.count("organisations")
        context.orgs[key] = org
    db.session.flush()
    context.echo(f"单位：{len(context.orgs)} 个")


def _seed_users(context: DemoContext) -> None:
    for username, role, org_key, display_name in USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            org = context.orgs[org_key] if org_key else None
            user = create_user(username, DEMO_PASSWORD, role, org, display_name=display_name)
            context.count("users")
        context.users[username] = user
    context.echo(f"账号：{len(context.users)} 个（覆盖全部角色）")


def _existing_titles(model, org_ids) -> set[tuple[int, str]]:
    rows = db.session.execute(select(model.organisation_id, model.title).where(model.organisation_id.in_(org_ids)))
    return {(org_id, title) for org_id, title in rows}


def _publish_or_park(context: DemoContext, kind: str, org_key: str, data: dict, state: str):
    """Create a listing through the services and walk it to `state` with a full history."""
    org, owner = context.orgs[org_key], context.owner(org_key)
    data = {**data, "region_code": org.region_code, "contact_name": owner.display_name}
    listing = listing_services.create_listing(kind, org, owner, data, submit=state != "draft")
    reviewer = context.reviewer_for(org.region_code)
    if state in ("", "published"):
        listing_services.transition(listing, "approve", reviewer, APPROVAL_NOTE)
    elif state == "returned":
        listing_services.transition(listing, "return", reviewer, RETURN_REASON)
    return listing


def _seed_results(context: DemoContext) -> None:
    taken = _existing_titles(TechResult, [org.id for org in context.orgs.values()])
    for number, (org_key, field, title, keywords, maturity, ip, modes, price, summary, state) in enumerate(
            RESULTS, start=1):
        if (context.orgs[org_key].id, title) in taken:
            continue
        ip_types, ip_numbers = ip_rights(ip)
        data = dict(title=title, field=field, keywords=keywords, maturity=maturity, ip_types=ip_types,
                    ip_numbers=ip_numbers, transfer_modes=modes, summary=summary,
                    price_fen=parse_wan(price) if price else None)
        _publish_or_park(context, "result", org_key, data, state)
        context.count("results")
        if number % 20 == 0:
            context.echo(f"成果：已处理 {number} / {len(RESULTS)}")
    context.echo(f"成果：共 {len(RESULTS)} 项（本次新增 {context.created.get('results', 0)}）")


def _seed_needs(context: DemoContext) -> None:
    taken = _existing_titles(TechNeed, [org.id for org in context.orgs.values()])
    today = date.today()
    for org_key, field, title, keywords, budget, days, modes, description, bounty, state in NEEDS:
        if (context.orgs[org_key].id, title) in taken:
            continue
        budget_fen = parse_wan(budget) if budget else None
        data = dict(title=title, field=field, keywords=keywords, description=description, budget_fen=budget_fen,
                    deadline=today + timedelta(days=days) if days else None, cooperation_modes=modes,
                    is_bounty=bounty is not None, bounty_fen=budget_fen if bounty else None,
                    bounty_goals=bounty[0] if bounty else "", bounty_conditions=bounty[1] if bounty else "")
        _publish_or_park(context, "need", org_key, data, state)
        context.count("needs")
    context.echo(f"需求：共 {len(NEEDS)} 项，其中揭榜挂帅 {sum(1 for n in NEEDS if n[8])} 项"
                 f"（本次新增 {context.created.get('needs', 0)}）")


def _seed_applications(context: DemoContext) -> None:
    for title, org_key, selected in BOUNTY_APPLICATIONS:
        need = db.session.scalar(select(TechNeed).where(TechNeed.title == title, TechNeed.is_bounty.is_(True)))
        org = context.orgs[org_key]
        if need is None or need.status != ListingStatus.PUBLISHED:
            continue
        exists = db.session.scalar(select(BountyApplication.id).where(
            BountyApplication.need_id == need.id, BountyApplication.organisation_id == org.id))
        if exists is not None:
            continue
        applicant = context.owner(org_key)
        proposal = (f"{org.name}在“{need.keyword_list[0]}”方向有多年研究积累，拟组建 8 人攻关团队，"
                    f"12 个月内完成攻关目标：{need.bounty_goals}")
        application = listing_services.apply_to_bounty(need, applicant, proposal)
        context.count("applications")
        if selected:
            db.session.expire(need, ["applications"])
            listing_services.select_application(need, application, need_owner(context, need), "方案可行，团队匹配")
    db.session.flush()
    context.echo(f"揭榜申请：本次新增 {context.created.get('applications', 0)} 份")


def need_owner(context: DemoContext, need: TechNeed) -> User:
    """The enterprise account that published `need`."""
    return next(u for u in context.users.values() if u.organisation_id == need.organisation_id
                and u.role == Role.ENTERPRISE)
