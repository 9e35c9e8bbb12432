"""Demo data for brokers and the deal pipeline (a `flask seed-demo` step); safe to run twice."""
from datetime import date

from sqlalchemy import select

from marketplace.brokers.services import profile_of, save_profile
from marketplace.matching import engine, services
from marketplace.money import FEN_PER_WAN
from models import ListingStatus, Match, MatchStatus, TechNeed, TechResult, db
from models.user import PUBLISHER_ROLES

PROFILES = {
    "broker_li": ("senior", "云南技术经纪人 2019-0038", ["新材料及其应用", "生物医药和医疗器械", "农业"],
                  ["530000", "530100"], "从事科技成果转化服务十余年，擅长材料与生物医药领域的技术转让和作价投资。"),
    "broker_wang": ("intermediate", "云南技术经纪人 2022-0107", ["电子信息", "先进制造", "新能源与高效节能"],
                    ["530100", "510000"], "熟悉电子信息与智能制造企业需求，长期服务川滇两地的产学研对接。"),
}
# (need title, the broker, steps to walk after proposing)
DEALS = [
    ("牙膏用天然活性成分稳定化技术", "broker_li", ["accept_need", "accept_result", "start_talks", "sign"]),
    ("磷石膏综合利用技术", "broker_li", ["accept_need", "accept_result", "start_talks"]),
    ("高原蓝莓采后保鲜技术", "broker_li", ["accept_result", "accept_need"]),
    ("三七种植连作障碍治理技术", "broker_li", ["accept_need"]),
    ("城市内涝监测预警平台", "broker_wang", ["accept_need", "accept_result", "start_talks"]),
    ("工业园区微电网能量管理系统", "broker_wang", ["decline_need"]),
    ("冷库节能改造方案", "broker_wang", []),
    # An institute answers directly, without a broker.
    ("石斛多糖提取工艺放大", None, []),
]


def _partner(need: TechNeed) -> TechResult | None:
    """The engine's best result for a need, or a same-field result when the index is not built yet."""
    for suggestion in engine.suggest_results(need, 5):
        return suggestion.listing
    return db.session.scalar(select(TechResult).where(
        TechResult.status == ListingStatus.PUBLISHED, TechResult.field == need.field,
        TechResult.organisation_id != need.organisation_id).order_by(TechResult.id))


def _publisher(context, organisation_id: int):
    """The demo account that speaks for an organisation."""
    return next(u for u in context.users.values() if u.organisation_id == organisation_id
                and u.role in PUBLISHER_ROLES)


def _walk(match: Match, steps: list[str], need_side, result_side) -> None:
    for step in steps:
        if step == "accept_need":
            services.transition(match, "accept", need_side)
        elif step == "accept_result":
            services.transition(match, "accept", result_side)
        elif step == "decline_need":
            services.transition(match, "decline", need_side, "现阶段预算调整，暂缓引进。")
        else:
            services.transition(match, step, match.broker, "双方已面谈，技术方案基本确定。" if step == "start_talks" else "")
    if match.status == MatchStatus.SIGNED:
        amount = match.result.price_fen or 100 * FEN_PER_WAN
        services.open_contract(match, match.broker, "技术转让", amount, date.today())


def seed_brokers_and_matches(context) -> None:
    """Broker profiles, and a few matches walked through the pipeline."""
    # Commit the listings first: the suggestions read the search index, and the contract draft's
    # savepoint would otherwise trigger an index sync while this transaction holds the write lock.
    db.session.commit()
    for username, (level, certificate, fields, regions, bio) in PROFILES.items():
        user = context.users.get(username)
        if user is not None and profile_of(user) is None:
            save_profile(user, level, certificate, fields, regions, bio, True)
            context.count("broker_profiles")
    for title, username, steps in DEALS:
        need = db.session.scalar(select(TechNeed).where(TechNeed.title == title,
                                                        TechNeed.status == ListingStatus.PUBLISHED))
        broker = context.users.get(username) if username else None
        if need is None or (username and broker is None):
            continue
        if db.session.scalar(select(Match.id).where(Match.need_id == need.id)) is not None:
            continue
        result = _partner(need)
        if result is None:
            continue
        if broker is None:
            match = services.answer(_publisher(context, result.organisation_id), need, result,
                                    f"我单位“{result.title}”可满足该需求，愿意合作开发。")
        else:
            suggestion = next((s for s in engine.suggest_results(need, 5) if s.listing.id == result.id), None)
            match = services.propose(broker, need, result, "经平台匹配推荐：技术领域与关键词高度契合。", suggestion)
        _walk(match, steps, _publisher(context, need.organisation_id), _publisher(context, result.organisation_id))
        context.count("matches")
    db.session.flush()
    context.echo(f"经纪人档案与对接：本次新增档案 {context.created.get('broker_profiles', 0)} 份，"
                 f"对接 {context.created.get('matches', 0)} 项")
