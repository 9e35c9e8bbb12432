"""Administration: user list, account creation, (de)activation, organisations."""
import re

import pytest
from sqlalchemy import func, select

from marketplace.admin.services import member_counts, user_query
from models import Organisation, User, db
from tests import factories

GOOD_PASSWORD = "Broker-market-2026"


@pytest.fixture
def admin_client(app, client, auth):
    with app.app_context():
        factories.make_user("root", role="admin", display_name="管理员")
        db.session.commit()
    auth.login("root")
    return client


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(User)),
                db.session.scalar(select(func.count()).select_from(Organisation)))


def user_rows(html):
    return re.findall(r"<tr>\s*<td>([^<]+)</td>", html)


def account_form(**overrides):
    data = dict(role="broker", username="broker_li", display_name="李经纪", email="", phone="",
                password=GOOD_PASSWORD, confirm=GOOD_PASSWORD, org_mode="join", join_org_name="昆明技术转移中心",
                org_name="", org_type="", region_code="", credit_code="")
    data.update(overrides)
    return data


def test_user_list_filters_by_role_and_text(app, admin_client):
    with app.app_context():
        org = factories.make_org("滇池生物科技有限公司", org_type="企业")
        factories.make_user("ent_a", role="enterprise", org=org, display_name="王总")
        factories.make_user("ent_b", role="enterprise", display_name="赵总")
        factories.make_user("inst_a", role="institute", display_name="王教授")
        db.session.commit()
    assert set(user_rows(admin_client.get("/admin/users").text)) == {"root", "ent_a", "ent_b", "inst_a"}
    assert set(user_rows(admin_client.get("/admin/users?role=enterprise").text)) == {"ent_a", "ent_b"}
    assert set(user_rows(admin_client.get("/admin/users?q=王").text)) == {"ent_a", "inst_a"}
    assert set(user_rows(admin_client.get("/admin/users?role=enterprise&q=王").text)) == {"ent_a"}
    assert set(user_rows(admin_client.get("/admin/users?q=滇池").text)) == {"ent_a"}
    assert user_rows(admin_client.get("/admin/users?q=%25").text) == []  # LIKE wildcards are literal
    # an unknown role is ignored rather than failing
    assert admin_client.get("/admin/users?role=pirate").status_code == 200


def test_user_list_is_paginated(app, admin_client):
    app.config["PER_PAGE"] = 3
    with app.app_context():
        org = factories.make_org(org_type="企业")
        for number in range(7):
            factories.make_user(f"bulk{number}", role="enterprise", org=org)
        db.session.commit()
    first = admin_client.get("/admin/users").text
    assert len(user_rows(first)) == 3 and "共 8 个账号" in first
    third = admin_client.get("/admin/users?page=3").text
    assert len(user_rows(third)) == 2
    assert admin_client.get("/admin/users?page=99").status_code == 200
    assert admin_client.get("/admin/users?page=abc").status_code == 200


def test_create_broker_in_existing_organisation(app, admin_client):
    with app.app_context():
        org_id = factories.make_org("昆明技术转移中心", org_type="企业").id
        db.session.commit()
    response = admin_client.post("/admin/users/new", data=account_form())
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "broker_li"))
        assert user.role == "broker" and user.organisation_id == org_id and user.is_active_account
    assert app.test_client().post("/auth/login", data={"username": "broker_li",
                                                      "password": GOOD_PASSWORD}).status_code == 302


def test_create_official_with_new_organisation(app, admin_client):
    response = admin_client.post("/admin/users/new", data=account_form(
        role="official", username="km_bureau", org_mode="new", org_name="昆明市科学技术局", org_type="机关",
        region_code="530100"))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "km_bureau"))
        assert user.role == "official"
        assert (user.organisation.name, user.organisation.org_type) == ("昆明市科学技术局", "机关")


def test_create_admin_without_organisation(app, admin_client):
    response = admin_client.post("/admin/users/new", data=account_form(role="admin", username="ops", org_mode="none"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "ops")).organisation_id is None


@pytest.mark.parametrize("overrides, message", [
    (dict(role=""), "请选择有效的角色。"),
    (dict(role="superuser"), "请选择有效的角色。"),
    (dict(username="root"), "该用户名已被使用。"),
    (dict(username="x"), "用户名长度为 3–40 个字符。"),
    (dict(password="weak", confirm="weak"), "密码至少 8 位。"),
    (dict(confirm="Other-pass-2026"), "两次输入的密码不一致。"),
    (dict(join_org_name="不存在的单位"), "未找到该单位，请填写与平台登记完全一致的单位全称。"),
    (dict(org_mode="none"), "该角色必须属于一个单位。"),
    (dict(org_mode="new", org_name="昆明技术转移中心", org_type="企业", region_code="530100"),
     "该单位已存在；如需加入，请选择“加入已有单位”。"),
    (dict(org_mode="new", org_name="新单位", org_type="企业", region_code="123456"), "请选择有效的所在地区。"),
    (dict(org_mode="new", org_name="新单位", org_type="企业", region_code="530100", credit_code="BAD"),
     "统一社会信用代码格式或校验位不正确（18 位）。"),
    (dict(role="institute", org_mode="join"), "该单位类型为“企业”。科研机构/高校账号只能属于以下类型的单位：科研机构、高等院校、医疗卫生、其他。"),
])
def test_create_account_bad_input_stores_nothing(app, admin_client, overrides, message):
    with app.app_context():
        factories.make_org("昆明技术转移中心", org_type="企业")
        db.session.commit()
    before = counts(app)
    response = admin_client.post("/admin/users/new", data=account_form(**overrides))
    assert response.status_code == 200
    assert message in response.text
    assert counts(app) == before


def test_deactivate_logs_the_user_out_and_activate_restores(app, admin_client):
    with app.app_context():
        user_id = factories.make_user("victim", role="enterprise").id
        db.session.commit()
    victim = app.test_client()
    victim.post("/auth/login", data={"username": "victim", "password": factories.PASSWORD})
    assert victim.get("/auth/password").status_code == 200

    assert admin_client.post(f"/admin/users/{user_id}/deactivate").status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert not user.is_active_account and user.session_version == 2
    assert victim.get("/auth/password").status_code == 302  # the existing session is gone
    assert "该账号已停用" in victim.post("/auth/login", data={"username": "victim",
                                                           "password": factories.PASSWORD}).text
    assert "已停用" in admin_client.get("/admin/users").text

    admin_client.post(f"/admin/users/{user_id}/activate")
    assert victim.post("/auth/login", data={"username": "victim",
                                            "password": factories.PASSWORD}).status_code == 302


def test_admin_cannot_deactivate_self(app, admin_client):
    with app.app_context():
        root_id = db.session.scalar(select(User.id).where(User.username == "root"))
    response = admin_client.post(f"/admin/users/{root_id}/deactivate", follow_redirects=True)
    assert "不能停用自己的账号。" in response.text
    with app.app_context():
        assert db.session.get(User, root_id).is_active_account


def test_activate_twice_is_a_message_not_an_error(app, admin_client):
    with app.app_context():
        user_id = factories.make_user("someone").id
        db.session.commit()
    response = admin_client.post(f"/admin/users/{user_id}/activate", follow_redirects=True)
    assert "该账号已是启用状态。" in response.text


def test_activate_missing_user_is_404(admin_client):
    assert admin_client.post("/admin/users/9999/activate").status_code == 404


def test_admin_approves_applicant_from_user_list(app, admin_client):
    with app.app_context():
        pending = factories.make_user("applicant", role="institute", is_active_account=False,
                                      awaiting_approval=True)
        db.session.commit()
        pending_id = pending.id
    assert "通过审核" in admin_client.get("/admin/users").text
    admin_client.post(f"/admin/users/{pending_id}/activate")
    with app.app_context():
        approved = db.session.get(User, pending_id)
        assert approved.is_active_account and not approved.awaiting_approval and approved.approved_by_id


def test_organisations_with_member_counts(app, admin_client):
    with app.app_context():
        org = factories.make_org("红河州农业科学院", org_type="科研机构")
        factories.make_user("m1", role="institute", org=org)
        factories.make_user("m2", role="institute", org=org)
        factories.make_user("m3", role="institute", org=org, is_active_account=False)
        empty = factories.make_org("空单位", org_type="企业")
        db.session.commit()
        assert member_counts([org.id, empty.id]) == {org.id: {"active": 2, "inactive": 1},
                                                     empty.id: {"active": 0, "inactive": 0}}
    page = admin_client.get("/admin/organisations").text
    row = page.split("红河州农业科学院")[1].split("</tr>")[0]
    assert re.findall(r'text-end">(\d+)<', row) == ["2", "1"]
    assert "空单位" in page
    assert "红河州农业科学院" not in admin_client.get("/admin/organisations?q=空").text


def test_user_query_escapes_like_wildcards(app, ctx):
    factories.make_user("a_b", role="enterprise")
    factories.make_user("axb", role="enterprise")
    names = {user.username for user in db.session.scalars(user_query(text="a_b"))}
    assert names == {"a_b"}
