"""Joining an existing organisation: the applicant waits until a member or an admin decides."""
import pytest
from sqlalchemy import select

from models import Organisation, User, db
from tests import factories

PASSWORD = "Applicant-pass-2026"


@pytest.fixture
def org_setup(app):
    """An institute with one active member, plus an unrelated institute with its own member."""
    with app.app_context():
        org = factories.make_org("云南省某研究院", org_type="科研机构")
        other = factories.make_org("另一研究所", org_type="科研机构")
        factories.make_user("member", role="institute", org=org)
        factories.make_user("outsider", role="institute", org=other)
        factories.make_user("root", role="admin")
        db.session.commit()
        return org.id


def apply_to_join(client, username="joiner", org_name="云南省某研究院", role="institute"):
    return client.post("/auth/register", data=dict(
        role=role, username=username, display_name="新成员", password=PASSWORD, confirm=PASSWORD,
        org_mode="join", join_org_name=org_name))


def applicant(app, username="joiner"):
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def test_join_creates_inactive_account_that_cannot_log_in(app, client, org_setup):
    response = apply_to_join(client)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    user = applicant(app)
    assert user.organisation_id == org_setup and not user.is_active_account
    response = client.post("/auth/login", data={"username": "joiner", "password": PASSWORD})
    assert "账号正在等待单位成员审核，通过后即可登录。" in response.text
    assert client.get("/auth/password").status_code == 302


def test_member_sees_and_approves_applicant(app, client, auth, org_setup):
    apply_to_join(app.test_client())
    auth.login("member")
    page = client.get("/auth/org/members").text
    assert "joiner" in page and "新成员" in page
    user_id = applicant(app).id
    response = client.post(f"/auth/org/members/{user_id}/approve")
    assert response.status_code == 302
    assert applicant(app).is_active_account
    other = app.test_client()
    assert other.post("/auth/login", data={"username": "joiner", "password": PASSWORD}).status_code == 302


def test_member_rejects_applicant_and_username_is_free_again(app, client, auth, org_setup):
    apply_to_join(app.test_client())
    auth.login("member")
    response = client.post(f"/auth/org/members/{applicant(app).id}/reject")
    assert response.status_code == 302
    assert applicant(app) is None
    assert apply_to_join(app.test_client()).status_code == 302


def test_member_of_another_organisation_cannot_decide(app, client, auth, org_setup):
    apply_to_join(app.test_client())
    auth.login("outsider")
    assert "joiner" not in client.get("/auth/org/members").text
    user_id = applicant(app).id
    assert client.post(f"/auth/org/members/{user_id}/approve").status_code == 404
    assert client.post(f"/auth/org/members/{user_id}/reject").status_code == 404
    assert not applicant(app).is_active_account


def test_applicant_cannot_approve_themselves(app, org_setup):
    apply_to_join(app.test_client())
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "joiner"))
        from marketplace.auth.membership import can_decide_membership
        assert not can_decide_membership(user, user)


def test_admin_sees_all_applicants_and_approves(app, client, auth, org_setup):
    apply_to_join(app.test_client())
    auth.login("root")
    page = client.get("/auth/org/members").text
    assert "joiner" in page and "云南省某研究院" in page
    client.post(f"/auth/org/members/{applicant(app).id}/approve")
    assert applicant(app).is_active_account


def test_deciding_twice_is_harmless(app, client, auth, org_setup):
    apply_to_join(app.test_client())
    auth.login("member")
    user_id = applicant(app).id
    client.post(f"/auth/org/members/{user_id}/approve")
    response = client.post(f"/auth/org/members/{user_id}/reject", follow_redirects=True)
    assert "该申请已处理。" in response.text
    assert applicant(app).is_active_account


def test_decision_on_missing_user_is_404(client, auth, org_setup):
    auth.login("member")
    assert client.post("/auth/org/members/9999/approve").status_code == 404


def test_deactivated_member_is_not_an_applicant(app, client, auth, org_setup):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "member"))
        user.is_active_account, user.session_version = False, 2
        factories.make_user("second", role="institute", org=db.session.get(Organisation, org_setup))
        db.session.commit()
        member_id = user.id
    auth.login("second")
    assert "member" not in client.get("/auth/org/members").text.split("待审核的加入申请")[1].split("现有成员")[0]
    response = client.post(f"/auth/org/members/{member_id}/approve", follow_redirects=True)
    assert "该申请已处理。" in response.text
    assert not applicant(app, "member").is_active_account


def test_enterprise_cannot_join_an_institute(app, client, org_setup):
    response = apply_to_join(client, role="enterprise")
    assert "该单位类型为“科研机构”" in response.text
    assert applicant(app) is None


def test_decisions_are_post_only(client, auth, org_setup, app):
    apply_to_join(app.test_client())
    auth.login("member")
    assert client.get(f"/auth/org/members/{applicant(app).id}/approve").status_code == 405
