"""Every event someone waits on reaches them: a notice in the site (category, link, unread count) and
e-mail by their choice; officials are reminded of filings close to the statutory deadline."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace import jobs
from marketplace.auth.membership import approve_member, reject_member
from marketplace.contracts import services as contracts
from marketplace.listings import services as listings
from marketplace.matching import services as matching
from models import Message, User, db
from models.base import utcnow
from tests import factories
from tests.contract_helpers import draft, officials, parties
from tests.mail_server import inbox, parts, smtp, smtp_app_config  # noqa: F401  (fixtures)


@pytest.fixture
def app_config(smtp_app_config):
    return smtp_app_config



def notices(user) -> list[Message]:
    return list(db.session.scalars(select(Message).where(Message.recipient_id == user.id).order_by(Message.id)))


def confirm(*users):
    for user in users:
        user.email = f"{user.username}@example.cn"
        user.email_verified_at = utcnow()


def test_listing_review_steps_reach_the_owner_organisation(app, ctx, inbox):
    org = factories.make_org()
    owner, colleague = factories.make_user("owner", org=org), factories.make_user("colleague", org=org)
    reviewer = factories.make_user("reviewer", role="official")
    confirm(owner, colleague)
    result = factories.make_result(org, owner, status="pending", title="钙钛矿叠层电池")
    db.session.commit()
    listings.transition(result, "return", reviewer, "请补充中试数据")
    db.session.commit()
    [returned] = notices(owner)
    assert returned.category == "listing" and returned.link == f"/results/{result.id}"
    assert "被退回修改" in returned.subject and returned.body == "原因：请补充中试数据"
    assert len(notices(colleague)) == 1 and notices(reviewer) == []
    messages = inbox.wait_for(2)
    assert {m["To"] for m in messages} == {"owner@example.cn", "colleague@example.cn"}
    assert "请补充中试数据" in parts(messages[0])[0]
    listings.transition(result, "submit", owner)
    listings.transition(result, "approve", reviewer)
    db.session.commit()
    assert "已通过审核" in notices(owner)[-1].subject


def test_bounty_applications_and_the_selection_are_told(app, ctx):
    ent_org = factories.make_org(org_type="企业")
    enterprise = factories.make_user("boss", role="enterprise", org=ent_org)
    first, second = factories.make_user("inst1"), factories.make_user("inst2")
    need = factories.make_need(ent_org, enterprise, is_bounty=True, title="电池包热管理揭榜")
    db.session.commit()
    chosen = listings.apply_to_bounty(need, first, "方案一")
    listings.apply_to_bounty(need, second, "方案二")
    db.session.commit()
    received = notices(enterprise)
    assert len(received) == 2 and all(m.category == "bounty" and "揭榜了您的需求" in m.subject for m in received)
    listings.select_application(need, chosen, enterprise)
    db.session.commit()
    assert "已入选" in notices(first)[-1].subject and "未入选" in notices(second)[-1].subject


def test_contract_steps_reach_the_filers(app, ctx, inbox):
    seller, buyer = parties()
    filer = factories.make_user("filer", org=seller)
    official, _other, _cd = officials()
    confirm(filer)
    contract = draft(seller, buyer, filer)
    contracts.transition(contract, "file", filer)
    db.session.commit()
    contracts.transition(contract, "return", official, "请补充技术交易额核定材料")
    db.session.commit()
    assert "退回补正" in notices(filer)[-1].subject and "核定材料" in notices(filer)[-1].body
    contracts.transition(contract, "file", filer)
    contracts.transition(contract, "accept", official)
    contracts.transition(contract, "register", official)
    db.session.commit()
    last = notices(filer)[-1]
    assert last.category == "contract" and contract.registration_no in last.subject
    assert last.link == f"/contracts/{contract.id}"
    assert len(inbox.wait_for(3)) == 3  # returned, accepted, registered


def test_match_steps_use_the_notice_centre(app, ctx):
    inst_org, ent_org = factories.make_org(), factories.make_org(org_type="企业")
    inst, ent = factories.make_user("mi", org=inst_org), factories.make_user("me", role="enterprise", org=ent_org)
    broker = factories.make_user("mb", role="broker")
    result, need = factories.make_result(inst_org, inst), factories.make_need(ent_org, ent)
    db.session.commit()
    match = matching.propose(broker, need, result, "两者契合")
    db.session.commit()
    for user in (inst, ent):
        [notice] = notices(user)
        assert notice.category == "match" and notice.link == f"/matching/{match.id}" and notice.match_id == match.id
    assert notices(broker) == []


def test_membership_requests_and_decisions(app, client, inbox):
    with app.app_context():
        org = factories.make_org(name="昆明新材料公司", org_type="企业")
        member = factories.make_user("member", role="enterprise", org=org)
        db.session.commit()
    for username in ("joiner", "refused"):
        client.post("/auth/register", data=dict(
            role="enterprise", username=username, display_name=username, email=f"{username}@example.cn", phone="",
            password="Correct-horse-battery-7", confirm="Correct-horse-battery-7", org_mode="join",
            join_org_name="昆明新材料公司", region_code="530100"))
    with app.app_context():
        member = db.session.scalar(select(User).where(User.username == "member"))
        assert [m.category for m in notices(member)] == ["membership", "membership"]
        inbox.clear()
        approve_member(db.session.scalar(select(User).where(User.username == "joiner")), member)
        reject_member(db.session.scalar(select(User).where(User.username == "refused")), member)
        db.session.commit()
    messages = inbox.wait_for(2)
    told = {m["To"]: m["Subject"] for m in messages}
    assert "已通过" in told["joiner@example.cn"] and "被拒绝" in told["refused@example.cn"]


def test_officials_are_reminded_of_filings_near_the_deadline(app, ctx, inbox):
    seller, buyer = parties()
    filer = factories.make_user("filer2", org=seller)
    official, colleague, chengdu = officials()
    confirm(official, colleague, chengdu)
    near = draft(seller, buyer, filer, title="临近期限的合同")
    later = draft(seller, buyer, filer, title="期限尚远的合同")
    for contract in (near, later):
        contracts.transition(contract, "file", filer)
    db.session.commit()
    today = date(2026, 12, 2)
    near.due_on, later.due_on = today + timedelta(days=2), today + timedelta(days=20)
    db.session.commit()
    jobs.tick(now=datetime(2026, 12, 2))  # 08:00 in Beijing
    [reminder] = notices(official)
    assert reminder.category == "deadline" and "1 份合同临近登记办结期限" in reminder.subject
    assert "临近期限的合同" in reminder.body and "期限尚远" not in reminder.body
    assert len(notices(colleague)) == 1 and notices(chengdu) == []  # another city's bureau
    # Reminders are daily by default: gathered into the next day's digest, not mailed at once.
    assert inbox.messages == []


def test_the_notice_centre_counts_unread_by_category(app, client, auth):
    from marketplace.notify import notify

    with app.app_context():
        user = factories.make_user("reader")
        notify([user], "listing", "审核通过一")
        notify([user], "contract", "合同已受理")
        notify([user], "contract", "合同已登记")
        db.session.commit()
    auth.login("reader", factories.PASSWORD)
    page = client.get("/inbox/")
    assert page.status_code == 200 and "3 条未读" in page.text
    only = client.get("/inbox/?category=contract")
    assert "合同已受理" in only.text and "审核通过一" not in only.text
    assert client.get("/inbox/?category=<script>").status_code == 200  # an unknown category: all
