"""Demo trades (a `flask seed-demo` step): an agreed price under notice, a listing with an intended buyer, an
ascending auction with bids, and a sealed round waiting for its bidders; safe to run twice."""
from datetime import timedelta

from sqlalchemy import select

from marketplace.trading import services
from models import ListingStatus, TechResult, Trade, db
from models.base import utcnow

WAN = 1_000_000


def _free_result(context, org_key: str) -> TechResult | None:
    """The organisation's first published result that was never traded (None if it already has a demo trade)."""
    org_id = context.orgs[org_key].id
    if db.session.scalar(select(Trade.id).where(Trade.organisation_id == org_id, Trade.created_by_id.is_not(None))):
        return None
    return db.session.scalar(select(TechResult).where(TechResult.organisation_id == org_id,
                                                      TechResult.status == ListingStatus.PUBLISHED)
                             .order_by(TechResult.id).limit(1))


def seed_trades(context) -> None:
    users, now = context.users, utcnow()
    result = _free_result(context, "kust")
    if result is not None and "inst_kust" in users:
        services.publish(users["inst_kust"], result, "agreed", {
            "transfer_mode": "转让", "price_fen": 260 * WAN, "counterpart_name": "云南白药集团股份有限公司",
            "counterpart_org_id": context.orgs["baiyao"].id, "completers": "张明、李华、王芳",
            "objection_contact": "昆明理工大学科技处 0871-65916000"})
        context.count("trades")
    result = _free_result(context, "ynu")
    if result is not None and {"inst_ynu", "ent_qujing"} <= set(users):
        listing = services.publish(users["inst_ynu"], result, "listed", {"transfer_mode": "许可", "price_fen": 80 * WAN})
        services.register(users["ent_qujing"], listing, "首付 30%，余款在技术验收后 6 个月内付清。")
        context.count("trades")
    result = _free_result(context, "scu")
    if result is not None and {"inst_scu", "ent_chengdu", "ent_mianyang"} <= set(users):
        owner = users["inst_scu"]
        auction = services.publish(owner, result, "auction", {
            "transfer_mode": "转让", "price_fen": 150 * WAN, "increment_fen": 2 * WAN, "deposit_fen": 10 * WAN,
            "reserve_fen": 160 * WAN, "extend_minutes": 5, "ends_at": now + timedelta(days=3)})
        for username in ("ent_chengdu", "ent_mianyang"):
            party = services.register(users[username], auction, "")
            services.decide_party(owner, auction, party, True, 10 * WAN, "保证金已到账")
        for n, (username, amount) in enumerate((("ent_chengdu", 150), ("ent_mianyang", 155), ("ent_chengdu", 158))):
            services.place_bid(users[username], auction.id, amount * WAN, f"demo-{auction.id}-{n}")
        context.count("trades")
    result = _free_result(context, "kib")
    if result is not None and {"inst_kib", "ent_yuxi"} <= set(users):
        sealed = services.publish(users["inst_kib"], result, "sealed", {
            "transfer_mode": "作价投资", "price_fen": 300 * WAN, "deposit_fen": 20 * WAN,
            "ends_at": now + timedelta(days=5)})
        services.register(users["ent_yuxi"], sealed, "拟以现金加股权方式合作。")
        context.count("trades")
    db.session.flush()
    context.echo(f"成果定价与交易：本次新增 {context.created.get('trades', 0)} 项")
