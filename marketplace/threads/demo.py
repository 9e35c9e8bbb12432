"""Demo threads (a `flask seed-demo` step, after the matches): enterprises asking about brokered results."""
from sqlalchemy import select

from marketplace.threads import services
from models import Match, MatchStatus, Thread, db
from models.user import PUBLISHER_ROLES

# (the enterprise's question, the institute's answer, the broker's note), one per brokered match
CONVERSATIONS = [
    ("您好，我们关注到贵单位的这项成果。请问目前的技术成熟度如何？是否有中试数据和检测报告可以提供？",
     "您好，该成果已完成中试，关键指标有第三方检测报告，我们可以先发一份摘要；如需全文可签保密协议后提供。",
     "我可以协助双方安排一次线上技术交流，并整理许可与转让两种方式的报价，供企业比较。"),
    ("请问这项技术对我方现有产线的改造投入大概是多少？转让后贵单位能否派人驻厂指导三个月？",
     "改造投入视产线情况约在 80–120 万元之间；驻厂指导可以安排，费用可以计入技术服务部分。",
     ""),
]


def _speaker(organisation_id: int, users) -> object | None:
    return next((u for u in users if u.organisation_id == organisation_id and u.role in PUBLISHER_ROLES), None)


def seed_threads(context) -> None:
    """One thread per brokered open or signed match, up to the number of conversations; safe to run twice."""
    users = list(context.users.values())
    matches = db.session.scalars(select(Match).where(Match.broker_id.is_not(None), Match.status != MatchStatus.FAILED)
                                 .order_by(Match.id)).all()
    for match, (question, answer, note) in zip(matches, CONVERSATIONS):
        result, need = match.result, match.need
        asker, owner = _speaker(need.organisation_id, users), _speaker(result.organisation_id, users)
        if asker is None or owner is None or db.session.scalar(select(Thread.id).where(
                Thread.result_id == result.id, Thread.asker_org_id == need.organisation_id)) is not None:
            continue
        thread = services.start(asker, result, "", question)
        services.add_post(owner, thread, answer)
        if note and match.broker is not None:
            services.add_post(match.broker, thread, note)
        context.count("threads")
    db.session.flush()
    context.echo(f"咨询留言：本次新增 {context.created.get('threads', 0)} 个")
