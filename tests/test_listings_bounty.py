"""揭榜挂帅: institutes apply, the enterprise selects one, the rest become 未选中."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import BountyApplication, ListingEvent, TechNeed, db
from tests import factories
from tests.test_listings_lifecycle import login


@pytest.fixture
def bounty(app):
    with app.app_context():
        enterprise = factories.make_user("ent", role="enterprise")
        institutes = [factories.make_user(f"inst{n}", role="institute",
                                          org=factories.make_org(name=f"研究院{n}")) for n in range(3)]
        need = factories.make_need(enterprise.organisation, enterprise, is_bounty=True, title="揭榜：电池热管理")
        db.session.commit()
        return {"need": need.id, "enterprise": factories.session_id(enterprise), "institutes": [factories.session_id(u) for u in institutes]}


def applications(app, need_id):
    with app.app_context():
        rows = db.session.scalars(select(BountyApplication).where(BountyApplication.need_id == need_id)
                                  .order_by(BountyApplication.id)).all()
        return [(a.organisation.name, a.status) for a in rows]


def test_apply_select_and_others_not_selected(client, app, bounty):
    need_id = bounty["need"]
    for n, session_id in enumerate(bounty["institutes"]):
        login(client, session_id)
        page = client.get(f"/needs/{need_id}").get_data(as_text=True)
        assert "我要揭榜" in page
        response = client.post(f"/needs/{need_id}/apply", data={"proposal": f"方案{n}：<b>液冷</b>"},
                               follow_redirects=True)
        assert "揭榜申请已提交" in response.get_data(as_text=True)
    assert applications(app, need_id) == [("研究院0", "submitted"), ("研究院1", "submitted"),
                                          ("研究院2", "submitted")]

    # An applicant sees only its own application, not the others' proposals.
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "贵单位的揭榜申请" in page and "方案0" not in page and "我要揭榜" not in page

    login(client, bounty["enterprise"])
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "方案1：&lt;b&gt;液冷&lt;/b&gt;" in page and "选定" in page
    with app.app_context():
        chosen = db.session.scalars(select(BountyApplication.id).order_by(BountyApplication.id)).all()[1]
    response = client.post(f"/needs/{need_id}/applications/{chosen}/select", follow_redirects=True)
    assert "已选定揭榜单位：研究院1" in response.get_data(as_text=True)
    assert applications(app, need_id) == [("研究院0", "not_selected"), ("研究院1", "selected"),
                                          ("研究院2", "not_selected")]
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "未选中" in page and "已选定" in page

    # Selecting again is refused and changes nothing.
    with app.app_context():
        first = db.session.scalars(select(BountyApplication.id).order_by(BountyApplication.id)).first()
    response = client.post(f"/needs/{need_id}/applications/{first}/select", follow_redirects=True)
    assert "只能从有效的揭榜申请中选定" in response.get_data(as_text=True)
    response = client.post(f"/needs/{need_id}/applications/{chosen}/select", follow_redirects=True)
    assert "只能从有效的揭榜申请中选定" in response.get_data(as_text=True)
    assert applications(app, need_id)[1] == ("研究院1", "selected")

    # After selection nobody can apply any more.
    with app.app_context():
        late = factories.make_user("late", role="institute")
        db.session.commit()
        late_id = factories.session_id(late)
    login(client, late_id)
    response = client.post(f"/needs/{need_id}/apply", data={"proposal": "晚到的方案"}, follow_redirects=True)
    assert "不能揭榜" in response.get_data(as_text=True)
    assert len(applications(app, need_id)) == 3

    with app.app_context():
        actions = db.session.scalars(select(ListingEvent.action).where(ListingEvent.need_id == need_id)).all()
    assert actions.count("bounty_apply") == 3 and actions.count("bounty_select") == 1


def test_duplicate_application_is_refused(client, app, bounty):
    login(client, bounty["institutes"][0])
    client.post(f"/needs/{bounty['need']}/apply", data={"proposal": "方案"})
    response = client.post(f"/needs/{bounty['need']}/apply", data={"proposal": "再来一次"}, follow_redirects=True)
    assert "不能重复申请" in response.get_data(as_text=True)
    assert applications(app, bounty["need"]) == [("研究院0", "submitted")]


def test_withdraw_then_apply_again(client, app, bounty):
    login(client, bounty["institutes"][0])
    client.post(f"/needs/{bounty['need']}/apply", data={"proposal": "方案"})
    with app.app_context():
        application_id = db.session.scalar(select(BountyApplication.id))
    login(client, bounty["institutes"][1])
    assert client.post(f"/applications/{application_id}/withdraw").status_code == 404
    login(client, bounty["enterprise"])
    assert client.post(f"/applications/{application_id}/withdraw").status_code == 404
    login(client, bounty["institutes"][0])
    client.post(f"/applications/{application_id}/withdraw")
    assert applications(app, bounty["need"]) == [("研究院0", "withdrawn")]
    response = client.post(f"/applications/{application_id}/withdraw", follow_redirects=True)
    assert "只有待选定的揭榜申请可以撤回" in response.get_data(as_text=True)
    client.post(f"/needs/{bounty['need']}/apply", data={"proposal": "修改后的方案"})
    assert applications(app, bounty["need"]) == [("研究院0", "submitted")]


def test_enterprise_cannot_apply_to_own_need(client, app, bounty):
    login(client, bounty["enterprise"])
    assert client.post(f"/needs/{bounty['need']}/apply", data={"proposal": "自己揭榜"}).status_code == 403
    assert "我要揭榜" not in client.get(f"/needs/{bounty['need']}").get_data(as_text=True)
    assert applications(app, bounty["need"]) == []


def test_institute_owning_a_bounty_cannot_apply_to_it(client, app):
    with app.app_context():
        institute = factories.make_user("ownerinst", role="institute")
        need = factories.make_need(institute.organisation, institute, is_bounty=True)
        db.session.commit()
        need_id, session_id = need.id, factories.session_id(institute)
    login(client, session_id)
    assert client.post(f"/needs/{need_id}/apply", data={"proposal": "方案"}).status_code == 403


@pytest.mark.parametrize("proposal,message", [("", "请填写揭榜方案"), ("长" * 5001, "揭榜方案不能超过 5000 字")])
def test_bad_proposal_is_refused(client, app, bounty, proposal, message):
    login(client, bounty["institutes"][0])
    response = client.post(f"/needs/{bounty['need']}/apply", data={"proposal": proposal}, follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert applications(app, bounty["need"]) == []


def test_expired_or_plain_need_cannot_be_applied_to(client, app, bounty):
    with app.app_context():
        enterprise = db.session.get(TechNeed, bounty["need"]).organisation
        expired = factories.make_need(enterprise, None, is_bounty=True, deadline=date.today() - timedelta(days=1))
        plain = factories.make_need(enterprise, None)
        db.session.commit()
        expired_id, plain_id = expired.id, plain.id
    login(client, bounty["institutes"][0])
    response = client.post(f"/needs/{expired_id}/apply", data={"proposal": "方案"}, follow_redirects=True)
    assert "不能揭榜" in response.get_data(as_text=True) and "已过期" in response.get_data(as_text=True)
    assert client.post(f"/needs/{plain_id}/apply", data={"proposal": "方案"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BountyApplication)) == 0


def test_dashboard_lists_received_and_sent_applications(client, app, bounty):
    login(client, bounty["institutes"][2])
    client.post(f"/needs/{bounty['need']}/apply", data={"proposal": "方案"})
    page = client.get("/my").get_data(as_text=True)
    assert "我方的揭榜申请（1）" in page and "揭榜：电池热管理" in page
    login(client, bounty["enterprise"])
    page = client.get("/my").get_data(as_text=True)
    assert "收到的揭榜申请（1）" in page and "研究院2" in page


def test_control_characters_are_dropped_not_fatal(client, app, bounty):
    login(client, bounty["institutes"][0])
    client.post(f"/needs/{bounty['need']}/apply", data={"proposal": "方\x00案\x07"})
    with app.app_context():
        assert db.session.scalar(select(BountyApplication.proposal)) == "方案"
