"""Sign-up: the happy paths and every kind of bad input (message shown, nothing stored)."""
import re

import pytest
from sqlalchemy import func, select

from models import Organisation, User, db
from tests import factories

GOOD_PASSWORD = "Tech-market-2026"
VALID_CREDIT_CODE = "91350100M000100Y43"


def new_org_form(**overrides):
    data = dict(role="enterprise", username="acme_01", display_name="张经理", email="zhang@example.cn",
                phone="0871-12345678", password=GOOD_PASSWORD, confirm=GOOD_PASSWORD, org_mode="new",
                org_name="昆明某某新材料有限公司", org_type="企业", region_code="530100", credit_code="")
    data.update(overrides)
    return data


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(User)),
                db.session.scalar(select(func.count()).select_from(Organisation)))


def field_errors(html):
    return re.findall(r'invalid-feedback d-block">([^<]*)<', html)


def test_register_page_shows_both_roles_and_regions(client):
    page = client.get("/auth/register").text
    assert 'value="institute"' in page and 'value="enterprise"' in page
    assert 'value="broker"' not in page
    assert "昆明市" in page


def test_register_new_organisation_then_log_in(app, client, auth):
    response = client.post("/auth/register", data=new_org_form(credit_code=VALID_CREDIT_CODE.lower()))
    # Sign-up no longer logs in at once (a taken username must get the same answer): log in next.
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert auth.login("acme_01", GOOD_PASSWORD).headers["Location"] == "/"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "acme_01"))
        assert user.role == "enterprise" and user.is_active_account
        assert user.organisation.name == "昆明某某新材料有限公司"
        assert user.organisation.credit_code == VALID_CREDIT_CODE
        assert user.organisation.region_code == "530100"
        assert user.email == "zhang@example.cn"
    home = client.get("/")
    assert "张经理" in home.text and "退出登录" in home.text


def test_register_username_is_case_folded(app, client):
    client.post("/auth/register", data=new_org_form(username="  Acme_02 "))
    with app.app_context():
        assert db.session.scalar(select(User.username)) == "acme_02"


def test_register_institute_at_university(app, client):
    client.post("/auth/register", data=new_org_form(role="institute", username="lab", org_type="高等院校",
                                                     org_name="某某大学"))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "lab"))
        assert user.role == "institute" and user.organisation.org_type == "高等院校"


LONG = "x" * 200


@pytest.mark.parametrize("overrides, message", [
    (dict(username=""), "请填写用户名。"),
    (dict(username="ab"), "用户名长度为 3–40 个字符。"),
    (dict(username="a" * 41), "用户名长度为 3–40 个字符。"),
    (dict(username="bad name!"), "用户名只能包含小写字母、数字以及 _ . -"),
    (dict(username="张三丰"), "用户名只能包含小写字母、数字以及 _ . -"),
    (dict(display_name=""), "请填写姓名或显示名。"),
    (dict(display_name=LONG), "显示名不能超过 50 个字符。"),
    (dict(email="not-an-email"), "邮箱格式不正确。"),
    (dict(phone="call me"), "电话号码格式不正确（5–30 位数字）。"),
    (dict(password="", confirm=""), "请填写密码。"),
    (dict(password="short1", confirm="short1"), "密码至少 8 位。"),
    # No composition rules any more (ASVS 5.0); a common password is what is refused.
    (dict(password="woaini1314", confirm="woaini1314"), "这是常见密码，很容易被猜中，请换一个（可以用一句好记的话）。"),
    (dict(password="acme_01-2026x", confirm="acme_01-2026x"), "密码不能包含用户名。"),
    (dict(confirm="Tech-market-2027"), "两次输入的密码不一致。"),
    (dict(role=""), "请选择账号类型。"),
    (dict(role="admin"), "请选择账号类型。"),
    (dict(role="broker"), "请选择账号类型。"),
    (dict(org_mode="other"), "请选择所属单位的方式。"),
    (dict(org_name=""), "请填写单位名称。"),
    (dict(org_name="公" * 101), "单位名称不能超过 100 个字符。"),
    (dict(org_type=""), "请选择有效的单位类型。"),
    (dict(org_type="银行"), "请选择有效的单位类型。"),
    (dict(org_type="机关"), "企业账号只能属于以下类型的单位：企业、个人、社团、其他。"),
    (dict(role="institute", org_type="企业"), "科研机构/高校账号只能属于以下类型的单位：科研机构、高等院校、医疗卫生、其他。"),
    (dict(region_code=""), "请选择有效的所在地区。"),
    (dict(region_code="999999"), "请选择有效的所在地区。"),
    (dict(credit_code="91350100M000100Y44"), "统一社会信用代码格式或校验位不正确（18 位）。"),
    (dict(credit_code="12345"), "统一社会信用代码格式或校验位不正确（18 位）。"),
    (dict(credit_code="9" * 19), "统一社会信用代码为 18 位。"),
    (dict(org_mode="join", join_org_name=""), "请填写要加入的单位全称。"),
    (dict(org_mode="join", join_org_name="不存在的单位"), "未找到该单位，请填写与平台登记完全一致的单位全称。"),
])
def test_register_bad_input_is_refused_and_nothing_stored(app, client, overrides, message):
    before = counts(app)
    response = client.post("/auth/register", data=new_org_form(**overrides))
    assert response.status_code == 200
    assert message in field_errors(response.text)
    assert counts(app) == before
    assert "退出登录" not in response.text


def test_register_empty_form_reports_every_required_field(app, client):
    response = client.post("/auth/register", data={})
    assert response.status_code == 200
    errors = field_errors(response.text)
    for message in ("请选择账号类型。", "请填写用户名。", "请填写姓名或显示名。", "请填写密码。", "请填写单位名称。"):
        assert message in errors
    assert counts(app) == (0, 0)


def test_register_duplicate_username_stores_nothing(app, client):
    with app.app_context():
        factories.make_user("acme_01", role="enterprise")
        db.session.commit()
    before = counts(app)
    response = client.post("/auth/register", data=new_org_form(username="ACME_01"))
    # The answer no longer says the username exists: it is the answer of any accepted sign-up.
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert "该用户名已被使用。" not in client.get("/auth/login").text
    assert counts(app) == before


def test_register_duplicate_organisation_name_stores_nothing(app, client):
    with app.app_context():
        factories.make_org("昆明某某新材料有限公司", org_type="企业")
        db.session.commit()
    before = counts(app)
    response = client.post("/auth/register", data=new_org_form(org_name=" 昆明某某新材料有限公司 "))
    assert "该单位已存在；如需加入，请选择“加入已有单位”。" in field_errors(response.text)
    assert counts(app) == before


def test_register_duplicate_credit_code_stores_nothing(app, client):
    with app.app_context():
        factories.make_org("已登记单位", org_type="企业", credit_code=VALID_CREDIT_CODE)
        db.session.commit()
    before = counts(app)
    response = client.post("/auth/register", data=new_org_form(credit_code=VALID_CREDIT_CODE))
    assert "该统一社会信用代码已被其他单位使用。" in field_errors(response.text)
    assert counts(app) == before


def test_register_join_with_wrong_role_for_org_type_is_refused(app, client):
    with app.app_context():
        factories.make_org("某市科学技术局", org_type="机关")
        db.session.commit()
    before = counts(app)
    response = client.post("/auth/register", data=new_org_form(org_mode="join", join_org_name="某市科学技术局"))
    assert any("该单位类型为“机关”" in e for e in field_errors(response.text))
    assert counts(app) == before


def test_hostile_html_in_names_is_escaped(app, client, auth):
    hostile = "<script>alert(1)</script>"
    client.post("/auth/register", data=new_org_form(display_name=hostile, org_name=f"<b>坏</b>{hostile}"))
    auth.login("acme_01", GOOD_PASSWORD)
    with app.app_context():
        assert db.session.scalar(select(User.display_name)) == hostile
    for url in ("/", "/auth/org/members"):
        page = client.get(url).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert hostile not in page and "<b>坏</b>" not in page


def test_logged_in_user_is_sent_away_from_register(client, auth, app):
    with app.app_context():
        factories.make_user("someone")
        db.session.commit()
    auth.login("someone")
    response = client.get("/auth/register")
    assert response.status_code == 302 and response.headers["Location"] == "/"
