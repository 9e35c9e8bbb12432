"""Demo tender (a `flask seed-demo` step): an enterprise's need out to tender with one sealed proposal."""
from datetime import timedelta

from sqlalchemy import select

from marketplace.tenders import services
from models import ListingStatus, TechNeed, Tender, db
from models.base import utcnow

WAN = 1_000_000


def seed_tenders(context) -> None:
    users = context.users
    if not {"ent_dali", "inst_ynau"} <= set(users):
        return
    org_id = context.orgs["dali"].id
    need = db.session.scalar(select(TechNeed).where(TechNeed.organisation_id == org_id,
                                                    TechNeed.status == ListingStatus.PUBLISHED).order_by(TechNeed.id))
    if need is not None and db.session.scalar(select(Tender.id).where(Tender.organisation_id == org_id)) is None:
        tender = services.publish(users["ent_dali"], need, {
            "requirements": "技术指标达到或优于需求所列；提供中试数据和知识产权证明；一年内完成交付。",
            "budget_fen": 120 * WAN, "deadline_at": utcnow() + timedelta(days=14)})
        services.submit(users["inst_ynau"], tender.id, 96 * WAN, "依托学校重点实验室，分三阶段完成小试、中试和产业化验证。")
        context.count("tenders")
    db.session.flush()
    context.echo(f"技术需求招标：本次新增 {context.created.get('tenders', 0)} 项")
