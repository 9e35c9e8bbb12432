"""The security log: written with what it records, read by admins only, and never changed by anyone."""
import re

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from marketplace import security_log
from marketplace.backup import create_backup, restore_backup
from marketplace.cli import init_db
from marketplace.contracts import services as contract_services
from models import SecurityLogEntry, User, db
from tests import factories
from tests.conftest import POSTGRES_URL, drop_everything
from tests.contract_helpers import draft, parties

NEW_PASSWORD = "Another-pass-2026"


def entries(app, kind=None) -> list[SecurityLogEntry]:
    with app.app_context():
        query = select(SecurityLogEntry).order_by(SecurityLogEntry.id)
        if kind:
            query = query.where(SecurityLogEntry.kind == kind)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def kinds(app) -> list[str]:
    return [entry.kind for entry in entries(app)]


@pytest.fixture
def people(app):
    with app.app_context():
        org = factories.make_org("云南省某研究院")
        factories.make_user("alice", role="institute", org=org)
        factories.make_user("root", role="admin")
        db.session.commit()


@pytest.fixture
def one_entry(app):
    with app.app_context():
        security_log.record(security_log.LOGIN_FAILED, detail="用户名：alice", ip="10.0.0.1")
        db.session.commit()


# --- append-only, on SQLite and PostgreSQL alike --------------------------------------------------

@pytest.mark.parametrize("statement", [
    update(SecurityLogEntry).values(detail="抹掉痕迹"),
    delete(SecurityLogEntry),
], ids=["update", "delete"])
def test_the_database_refuses_to_change_the_log(app, one_entry, statement):
    with app.app_context():
        with pytest.raises(IntegrityError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert [(e.detail, e.ip) for e in entries(app)] == [("用户名：alice", "10.0.0.1")]


def test_the_orm_cannot_edit_or_delete_an_entry_either(app, one_entry):
    with app.app_context():
        entry = db.session.scalar(select(SecurityLogEntry))
        entry.actor_name = "someone_else"
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(SecurityLogEntry)))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert [e.actor_name for e in entries(app)] == [""]


@pytest.mark.skipif(not POSTGRES_URL, reason="TRUNCATE exists on PostgreSQL only")
def test_postgres_refuses_truncate_and_zero_row_statements(app, one_entry):
    with app.app_context():
        for statement in ("TRUNCATE security_log", "DELETE FROM security_log WHERE false"):
            with pytest.raises(IntegrityError):
                db.session.execute(text(statement))
            db.session.rollback()
    assert len(entries(app)) == 1


def test_an_entry_is_kept_only_when_its_transaction_commits(app):
    with app.app_context():
        security_log.record(security_log.PASSWORD_CHANGED, detail="rolled back")
        db.session.rollback()
        security_log.record(security_log.PASSWORD_CHANGED, detail="committed")
        db.session.commit()
    assert [e.detail for e in entries(app)] == ["committed"]


def test_record_never_commits_by_itself(app):
    with app.app_context():
        security_log.record(security_log.TOKEN_CREATED, detail="pending")
        db.session.flush()
        db.session.rollback()
    assert entries(app) == []


def test_the_log_and_its_guard_survive_a_backup_and_restore(app, one_entry, tmp_path):
    target = str(tmp_path / "backup.tar.gz")
    try:
        with app.app_context():
            create_backup(app, target)
            security_log.record(security_log.LOGIN_SUCCEEDED, detail="after the backup")
            db.session.commit()
            restore_backup(app, target, reindex=False)
        assert [e.detail for e in entries(app)] == ["用户名：alice"]
        with app.app_context():
            with pytest.raises(IntegrityError):
                db.session.execute(delete(SecurityLogEntry))
            db.session.rollback()
        assert len(entries(app)) == 1
    finally:
        if POSTGRES_URL:  # the restored schema is pg_restore's; other tests expect the migrations' own
            with app.app_context():
                db.session.remove()
                drop_everything()
                init_db()
                db.engine.dispose()


# --- what is recorded ---------------------------------------------------------------------------

def test_log_ins_failures_and_throttling_are_recorded(app, client, auth, people):
    assert auth.login("alice").status_code == 302
    auth.logout()
    for _ in range(5):
        auth.login("alice", "wrong-password-1")
    auth.login("nobody", "wrong-password-1")
    auth.login("alice")
    assert kinds(app) == ["login.succeeded"] + ["login.failed"] * 6 + ["login.throttled"]
    first, *failures, throttled = entries(app)
    assert (first.actor_name, first.subject_name, first.ip) == ("alice", "alice", "127.0.0.1")
    assert (failures[0].actor_name, failures[0].subject_name) == ("", "alice")
    assert failures[-1].subject_name == "" and failures[-1].detail == "用户名：nobody"
    assert throttled.detail == "用户名：alice"


def test_password_change_is_recorded_and_a_refused_one_is_not(app, client, auth, people):
    auth.login("alice")
    form = {"old_password": "wrong-old-pass-1", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    client.post("/auth/password", data=form)
    assert security_log.PASSWORD_CHANGED not in kinds(app)
    client.post("/auth/password", data={**form, "old_password": factories.PASSWORD})
    [changed] = entries(app, security_log.PASSWORD_CHANGED)
    assert (changed.actor_name, changed.subject_name) == ("alice", "alice")


def test_sign_up_and_membership_decisions_are_recorded(app, client, auth, people):
    def apply(username):
        client.post("/auth/register", data=dict(
            role="institute", username=username, display_name="新成员", password=NEW_PASSWORD, confirm=NEW_PASSWORD,
            org_mode="join", join_org_name="云南省某研究院"))

    apply("joiner")
    apply("second")
    with app.app_context():
        ids = dict(db.session.execute(select(User.username, User.id)).all())
    auth.login("alice")
    client.post(f"/auth/org/members/{ids['joiner']}/approve")
    client.post(f"/auth/org/members/{ids['second']}/reject")
    signed_up = entries(app, security_log.SIGNED_UP)
    assert [(e.subject_name, e.detail) for e in signed_up] == [("joiner", "申请加入单位"), ("second", "申请加入单位")]
    [approved] = entries(app, security_log.MEMBER_APPROVED)
    [rejected] = entries(app, security_log.MEMBER_REJECTED)
    assert (approved.actor_name, approved.subject_name) == ("alice", "joiner")
    # The rejected account is gone; its entry keeps the id and username it had.
    assert (rejected.actor_name, rejected.subject_name, rejected.subject_user_id) == ("alice", "second", ids["second"])


def test_admin_account_creation_and_activation_are_recorded(app, client, auth, people):
    auth.login("root")
    client.post("/admin/users/new", data=dict(
        role="broker", username="broker_li", display_name="李经纪", email="", phone="", password=NEW_PASSWORD,
        confirm=NEW_PASSWORD, org_mode="new", join_org_name="", org_name="昆明技术转移中心", org_type="企业",
        region_code="530100", credit_code=""))
    with app.app_context():
        alice_id = db.session.scalar(select(User.id).where(User.username == "alice"))
    client.post(f"/admin/users/{alice_id}/deactivate")
    client.post(f"/admin/users/{alice_id}/activate")
    created, deactivated, activated = entries(app)[1:]  # the admin's own log-in first
    assert (created.kind, created.actor_name, created.subject_name, created.detail) == (
        "account.created", "root", "broker_li", "角色：broker")
    assert created.organisation_id is not None
    assert [(e.kind, e.actor_name, e.subject_name) for e in (deactivated, activated)] == [
        ("account.deactivated", "root", "alice"), ("account.activated", "root", "alice")]


def test_cli_account_and_token_commands_are_recorded(app, runner, people):
    created = runner.invoke(args=["users", "create", "official_wang", "--role", "official", "--org", "昆明市科技局",
                                  "--password-stdin"], input=NEW_PASSWORD + "\n")
    assert created.exit_code == 0, created.output
    token = runner.invoke(args=["tokens", "create", "alice", "--name", "同步脚本"])
    assert token.exit_code == 0, token.output
    revoked = runner.invoke(args=["tokens", "revoke", "--all", "alice"])
    assert revoked.exit_code == 0, revoked.output
    account, issued, withdrawn = entries(app)
    assert (account.kind, account.actor_id, account.subject_name, account.ip) == (
        "account.created", None, "official_wang", None)
    assert [(e.kind, e.subject_name) for e in (issued, withdrawn)] == [("token.created", "alice"),
                                                                       ("token.revoked", "alice")]
    assert issued.detail.endswith("：同步脚本") and issued.detail == withdrawn.detail


def test_tokens_made_and_revoked_on_the_site_are_recorded(app, client, auth, people):
    auth.login("alice")
    client.post("/auth/tokens", data={"name": "报表"})
    with app.app_context():
        token_id = db.session.scalar(text("SELECT id FROM api_tokens"))
    client.post(f"/auth/tokens/{token_id}/revoke")
    issued, withdrawn = entries(app)[1:]
    assert [(e.kind, e.actor_name, e.subject_name) for e in (issued, withdrawn)] == [
        ("token.created", "alice", "alice"), ("token.revoked", "alice", "alice")]


def test_contract_parties_are_recorded_when_set_and_when_changed(app):
    with app.app_context():
        seller, buyer = parties()
        clerk = factories.make_user("clerk", role="institute", org=seller)
        contract = draft(seller, buyer, clerk)
        data = {"title": "新标题", "buyer_name": buyer.name}
        contract_services.update_draft(contract, clerk, data, 1_000_000_00, {})  # no party changed
        contract_services.update_draft(contract, clerk, {"buyer_name": "另一家公司"}, 1_000_000_00, {})
        db.session.commit()
        contract_id = contract.id
    filed, changed = entries(app)
    assert (filed.kind, filed.actor_name, filed.contract_id) == ("contract.parties_set", "clerk", contract_id)
    assert filed.detail == "卖方：昆明理工大学（测试）；买方：云南某能源公司（测试）；经纪人 id：无"
    assert (changed.kind, changed.contract_id) == ("contract.parties_changed", contract_id)
    assert changed.detail == "buyer_name：云南某能源公司（测试） → 另一家公司"


# --- the admins' page ---------------------------------------------------------------------------

def rows(html) -> list[str]:
    return re.findall(r'<td class="text-nowrap">([^<]+)</td>', html)


def test_only_admins_read_the_log(app, client, auth, people):
    assert client.get("/admin/security-log").status_code == 302
    auth.login("alice")
    assert client.get("/admin/security-log").status_code == 403
    auth.logout()
    auth.login("root")
    response = client.get("/admin/security-log")
    assert response.status_code == 200 and "安全日志" in response.text
    assert rows(response.text) == ["登录成功", "登录成功"]  # root's log-in, then alice's, newest first
    # Read only: the page takes no writes.
    assert client.post("/admin/security-log").status_code == 405


def test_the_page_filters_by_kind_user_and_date(app, client, auth, people):
    auth.login("alice", "wrong-password-1")
    auth.login("alice")
    auth.logout()
    auth.login("root")
    assert rows(client.get("/admin/security-log?kind=login.failed").text) == ["登录失败"]
    assert len(rows(client.get("/admin/security-log?user=ALICE").text)) == 2
    assert len(rows(client.get("/admin/security-log?user=root").text)) == 1
    with app.app_context():
        today = db.session.scalar(select(func.max(SecurityLogEntry.at))).date().isoformat()
    assert len(rows(client.get(f"/admin/security-log?since={today}&until={today}").text)) == 3
    assert rows(client.get("/admin/security-log?since=2000-01-01&until=2000-01-02").text) == []
    assert "没有符合条件的记录。" in client.get("/admin/security-log?until=2000-01-02").text


def test_the_page_is_paged(app, client, auth, people):
    with app.app_context():
        for number in range(app.config["PER_PAGE"] + 3):
            security_log.record(security_log.LOGIN_FAILED, detail=f"用户名：guess{number}")
        db.session.commit()
    auth.login("root")
    assert len(rows(client.get("/admin/security-log").text)) == app.config["PER_PAGE"]
    assert len(rows(client.get("/admin/security-log?page=2").text)) == 4  # 3 more, and root's log-in
