"""Bad input on the listing forms: a clear Chinese message and nothing stored."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import ListingEvent, TechNeed, TechResult, User, db
from tests import factories
from tests.test_listings_lifecycle import RESULT_FORM, login

NEED_FORM = {
    "title": "电池包热管理技术需求", "field": "新能源与高效节能", "keywords": "热管理",
    "region_code": "530100", "description": "温差控制在 3℃ 以内。", "budget": "200",
    "deadline": (date.today() + timedelta(days=60)).isoformat(), "cooperation_modes": ["合作开发"],
    "contact_name": "王经理", "contact_phone": "13800000000",
}
BOUNTY = {"is_bounty": "y", "bounty": "150", "bounty_goals": "温差 ≤ 3℃", "bounty_conditions": "有热管理研究基础"}


@pytest.fixture
def publisher(app):
    with app.app_context():
        user = factories.make_user("publisher", role="enterprise")
        db.session.commit()
        return factories.session_id(user)


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (TechResult, TechNeed, ListingEvent))


def without(form, key):
    return {k: v for k, v in form.items() if k != key}


RESULT_CASES = [
    (without(RESULT_FORM, "title"), "请填写名称"),
    ({**RESULT_FORM, "title": "   "}, "请填写名称"),
    ({**RESULT_FORM, "title": "题" * 201}, "名称不能超过 200 字"),
    ({**RESULT_FORM, "summary": "长" * 5001}, "摘要不能超过 5000 字"),
    ({**RESULT_FORM, "field": "炼金术"}, "请选择技术领域"),
    ({**RESULT_FORM, "region_code": "999999"}, "请选择有效的所在地区"),
    ({**RESULT_FORM, "region_code": "53\x000100"}, "请选择有效的所在地区"),
    ({**RESULT_FORM, "region_code": "530100\n"}, "请选择有效的所在地区"),
    ({**RESULT_FORM, "region_code": "５３０１００"}, "请选择有效的所在地区"),
    ({**RESULT_FORM, "maturity": "量产"}, "请选择成熟度"),
    ({**RESULT_FORM, "trl": "10"}, "技术就绪度应为 1–9 级"),
    ({**RESULT_FORM, "trl": "abc"}, "技术就绪度应为 1–9 级"),
    ({**RESULT_FORM, "keywords": "a;b;c;d;e;f"}, "关键词最多 5 个"),
    ({**RESULT_FORM, "keywords": "关" * 21}, "每个关键词不超过 20 字"),
    (without(RESULT_FORM, "transfer_modes"), "请至少选择一种转化方式"),
    ({**RESULT_FORM, "transfer_modes": ["赠送"]}, "转化方式包含无效选项"),
    ({**RESULT_FORM, "ip_types": ["商标"]}, "知识产权类型包含无效选项"),
    ({**RESULT_FORM, "price": "NaN"}, "金额格式不正确"),
    ({**RESULT_FORM, "price": "inf"}, "金额格式不正确"),
    ({**RESULT_FORM, "price": "1e5"}, "金额格式不正确"),
    ({**RESULT_FORM, "price": "-5"}, "金额不能为负数"),
    ({**RESULT_FORM, "price": "1.1234567"}, "金额最多保留 6 位小数"),
    ({**RESULT_FORM, "price": "99999999999"}, "金额过大"),
    ({**RESULT_FORM, "price": "五十"}, "金额格式不正确"),
    ({**RESULT_FORM, "contact_phone": "<b>call</b>"}, "联系电话只能包含数字"),
    ({**RESULT_FORM, "contact_name": "名" * 51}, "联系人不能超过 50 字"),
]


@pytest.mark.parametrize("data,message", RESULT_CASES)
def test_bad_result_input_is_refused(client, app, publisher, data, message):
    login(client, publisher)
    before = counts(app)
    response = client.post("/results/new", data={**data, "submit_review": "提交审核"})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert counts(app) == before


NEED_CASES = [
    (without(NEED_FORM, "description"), "请填写需求描述"),
    ({**NEED_FORM, "budget": "nan"}, "预算：金额格式不正确"),
    ({**NEED_FORM, "budget": "-1"}, "预算：金额不能为负数"),
    ({**NEED_FORM, "deadline": "2020-01-01"}, "截止日期不能早于今天"),
    ({**NEED_FORM, "deadline": "明天"}, "截止日期格式应为 YYYY-MM-DD"),
    ({**NEED_FORM, "deadline": "9999-12-31"}, "截止日期不能晚于 10 年后"),
    (without(NEED_FORM, "cooperation_modes"), "请至少选择一种合作方式"),
    ({**NEED_FORM, **BOUNTY, "bounty": ""}, "揭榜挂帅必须填写大于 0 的榜额"),
    ({**NEED_FORM, **BOUNTY, "bounty": "0"}, "揭榜挂帅必须填写大于 0 的榜额"),
    ({**NEED_FORM, **BOUNTY, "bounty": "1E3"}, "榜额：金额格式不正确"),
    ({**NEED_FORM, **BOUNTY, "bounty_goals": ""}, "揭榜挂帅必须填写攻关目标"),
    ({**NEED_FORM, **BOUNTY, "bounty_conditions": " "}, "揭榜挂帅必须填写揭榜条件"),
    ({**NEED_FORM, **BOUNTY, "deadline": ""}, "揭榜挂帅必须填写截止日期"),
]


@pytest.mark.parametrize("data,message", NEED_CASES)
def test_bad_need_input_is_refused(client, app, publisher, data, message):
    login(client, publisher)
    before = counts(app)
    response = client.post("/needs/new", data={**data, "save_draft": "保存草稿"})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert counts(app) == before


def test_hostile_html_is_stored_but_escaped(client, app, publisher):
    login(client, publisher)
    hostile = "<script>alert('x')</script>"
    response = client.post("/results/new", data={**RESULT_FORM, "title": hostile, "summary": hostile,
                                                 "save_draft": "1"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page
    with app.app_context():
        assert db.session.scalar(select(TechResult.title)) == hostile


def test_valid_need_and_bounty_are_stored_exactly(client, app, publisher):
    login(client, publisher)
    client.post("/needs/new", data={**NEED_FORM, "budget": "", "save_draft": "1"})
    client.post("/needs/new", data={**NEED_FORM, **BOUNTY, "title": "揭榜需求", "bounty": "0.000001",
                                    "submit_review": "1"})
    with app.app_context():
        plain, bounty = db.session.scalars(select(TechNeed).order_by(TechNeed.id)).all()
        assert (plain.budget_fen, plain.is_bounty, plain.bounty_fen, plain.status) == (None, False, None, "draft")
        assert (bounty.bounty_fen, bounty.budget_fen, bounty.status) == (1, 200_000_000, "pending")
        assert bounty.bounty_goals == "温差 ≤ 3℃" and bounty.cooperation_modes == "合作开发"


def test_unchecking_bounty_clears_bounty_fields(client, app, publisher):
    login(client, publisher)
    response = client.post("/needs/new", data={**NEED_FORM, **BOUNTY, "save_draft": "1"})
    need_id = int(response.headers["Location"].rsplit("/", 1)[1])
    edit = client.get(f"/needs/{need_id}/edit").get_data(as_text=True)
    assert 'value="150"' in edit and "checked" in edit
    client.post(f"/needs/{need_id}/edit", data={**NEED_FORM, "bounty": "150", "save_draft": "1"})
    with app.app_context():
        need = db.session.get(TechNeed, need_id)
        assert (need.is_bounty, need.bounty_fen, need.bounty_goals) == (False, None, "")


def test_edit_keeps_a_past_deadline_but_refuses_a_new_past_one(client, app, publisher):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "publisher"))
        need = factories.make_need(user.organisation, user, "draft", deadline=date.today() - timedelta(days=3))
        db.session.commit()
        need_id, old = need.id, need.deadline.isoformat()
    login(client, publisher)
    form = client.get(f"/needs/{need_id}/edit").get_data(as_text=True)
    assert f'value="{old}"' in form
    ok = client.post(f"/needs/{need_id}/edit", data={**NEED_FORM, "deadline": old, "save_draft": "1"})
    assert ok.status_code == 302
    other_past = (date.today() - timedelta(days=10)).isoformat()
    refused = client.post(f"/needs/{need_id}/edit", data={**NEED_FORM, "deadline": other_past, "save_draft": "1"})
    assert "截止日期不能早于今天" in refused.get_data(as_text=True)


def test_status_and_owner_cannot_come_from_the_form(client, app, publisher):
    with app.app_context():
        stranger = factories.make_org(name="别家单位")
        db.session.commit()
        stranger_id = stranger.id
    login(client, publisher)
    client.post("/results/new", data={**RESULT_FORM, "status": "published", "organisation_id": stranger_id,
                                      "created_by_id": 999, "save_draft": "1"})
    with app.app_context():
        result = db.session.scalar(select(TechResult))
        assert result.status == "draft" and result.organisation_id != stranger_id
        assert result.created_by_id == int(publisher.split(":")[0])
