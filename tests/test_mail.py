"""E-mail through a real local SMTP server: address confirmation, password reset, security notices,
notices by each person's choice, unsubscribe, the daily digest, and failing sends kept for a retry."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace import jobs
from marketplace.notify import notify
from models import Job, JobState, Message, NotificationPref, SecurityLogEntry, User, db
from models.base import utcnow
from tests import factories
from tests.mail_server import inbox, link_in, parts, smtp, smtp_app_config  # noqa: F401  (fixtures)

GOOD_PASSWORD = "Correct-horse-battery-7"
NEW_PASSWORD = "Another-long-passphrase-9"


@pytest.fixture
def app_config(smtp_app_config):
    return smtp_app_config



def confirmed_user(username="mailuser", email="mailuser@example.cn", **extra):
    user = factories.make_user(username, email=email, **extra)
    user.email_verified_at = utcnow()
    db.session.commit()
    return user


def sign_up(client, username="acme_mail", email="acme@example.cn"):
    return client.post("/auth/register", data=dict(
        role="enterprise", username=username, display_name="张经理", email=email, phone="", password=GOOD_PASSWORD,
        confirm=GOOD_PASSWORD, org_mode="new", org_name=f"{username}公司", org_type="企业", region_code="530100",
        credit_code=""))


def test_sign_up_mails_a_confirmation_link_that_confirms_the_address(app, client, inbox, auth):
    assert sign_up(client).status_code == 302
    [message] = inbox.wait_for(1)
    assert message["To"] == "acme@example.cn" and "确认您的邮箱" in message["Subject"]
    text, html = parts(message)
    assert "acme_mail" in text and "确认邮箱" in html
    assert "List-Unsubscribe" not in message  # account mail is essential
    link = link_in(message, "/account/confirm/")
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at).where(User.username == "acme_mail")) is None
    assert client.get(link).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "acme_mail"))
        assert user.email_verified_at is not None
        assert db.session.scalar(select(func.count()).select_from(SecurityLogEntry).where(
            SecurityLogEntry.kind == "email.confirmed")) == 1
    # A forged or altered link confirms nothing.
    assert client.get(link[:-3] + "abc").status_code == 302


def test_a_confirmation_link_for_an_address_since_replaced_confirms_nothing(app, client, inbox, auth):
    sign_up(client)
    link = link_in(inbox.wait_for(1)[0], "/account/confirm/")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "acme_mail"))
        user.email = "other@example.cn"
        db.session.commit()
    client.get(link)
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at).where(User.username == "acme_mail")) is None


def test_reset_link_is_mailed_only_to_a_confirmed_address_and_the_answer_is_the_same(app, client, inbox):
    with app.app_context():
        confirmed_user()
        factories.make_user("unconfirmed", email="unconfirmed@example.cn")
        db.session.commit()
    answers = [client.post("/account/password/forgot", data={"email": address}, follow_redirects=True).text
               for address in ("mailuser@example.cn", "nobody@example.cn", "unconfirmed@example.cn")]
    notice = "如果该邮箱属于一个已确认邮箱的账号"
    assert all(notice in answer for answer in answers)
    [message] = inbox.wait_for(1)
    assert message["To"] == "mailuser@example.cn" and "重置密码" in message["Subject"]
    assert inbox.to("unconfirmed@example.cn") == [] and inbox.to("nobody@example.cn") == []


def test_reset_link_sets_a_new_password_once_and_ends_every_session(app, client, inbox, auth):
    with app.app_context():
        confirmed_user()
    assert auth.login("mailuser", factories.PASSWORD).status_code == 302
    other = app.test_client()
    other.post("/account/password/forgot", data={"email": "MailUser@example.cn"})
    link = link_in(inbox.wait_for(1)[0], "/account/password/reset/")
    page = other.get(link)
    assert page.status_code == 200 and "mailuser" in page.text
    answer = other.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert answer.status_code == 302 and answer.headers["Location"] == "/auth/login"
    # The signed-in browser is logged out; the old password is gone, the new one works.
    assert client.get("/account/settings").status_code == 302
    assert "/auth/login" not in auth.login("mailuser", NEW_PASSWORD).headers["Location"]
    # The link worked once.
    again = other.post(link, data={"new_password": "Third-long-passphrase-1", "confirm": "Third-long-passphrase-1"})
    assert again.status_code == 302 and again.headers["Location"] == "/account/password/forgot"
    # The address is told.
    notices = [m for m in inbox.wait_for(2) if "密码已修改" in m["Subject"]]
    assert len(notices) == 1 and "mailuser" in parts(notices[0])[0]
    with app.app_context():
        kinds = set(db.session.scalars(select(SecurityLogEntry.kind)))
        assert {"password.reset_requested", "password.reset"} <= kinds


def test_an_expired_reset_link_is_refused(app, client, inbox):
    with app.app_context():
        confirmed_user()
    client.post("/account/password/forgot", data={"email": "mailuser@example.cn"})
    link = link_in(inbox.wait_for(1)[0], "/account/password/reset/")
    app.config["PASSWORD_RESET_SECONDS"] = -1
    answer = client.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert answer.status_code == 302 and answer.headers["Location"] == "/account/password/forgot"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SecurityLogEntry).where(
            SecurityLogEntry.kind == "password.reset")) == 0


def test_repeated_reset_requests_send_one_mail_per_ten_minutes(app, client, inbox):
    with app.app_context():
        confirmed_user()
    for _ in range(5):
        client.post("/account/password/forgot", data={"email": "mailuser@example.cn"})
    inbox.wait_for(1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "mail.send")) == 1
    assert len(inbox.messages) == 1


def test_changing_the_address_tells_the_old_one_and_confirms_the_new_one(app, client, inbox, auth):
    with app.app_context():
        confirmed_user()
    auth.login("mailuser", factories.PASSWORD)
    refused = client.post("/account/settings/email", data={"email": "new@example.cn", "password": "wrong"})
    assert refused.status_code == 422 and "密码不正确" in refused.text
    assert client.post("/account/settings/email", data={"email": "new@example.cn",
                                                        "password": factories.PASSWORD}).status_code == 302
    messages = inbox.wait_for(2)
    old = [m for m in messages if m["To"] == "mailuser@example.cn"]
    new = [m for m in messages if m["To"] == "new@example.cn"]
    assert len(old) == 1 and "n***@example.cn" in parts(old[0])[0]
    assert len(new) == 1 and "/account/confirm/" in parts(new[0])[0]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "mailuser"))
        assert user.email == "new@example.cn" and user.email_verified_at is None


def test_changing_the_password_tells_the_confirmed_address(app, client, inbox, auth):
    with app.app_context():
        confirmed_user()
    auth.login("mailuser", factories.PASSWORD)
    client.post("/auth/password", data={"old_password": factories.PASSWORD, "new_password": NEW_PASSWORD,
                                        "confirm": NEW_PASSWORD})
    [message] = inbox.wait_for(1)
    assert "密码已修改" in message["Subject"] and message["To"] == "mailuser@example.cn"


def test_a_notice_is_mailed_by_choice_with_an_unsubscribe_link_that_works(app, client, inbox):
    with app.app_context():
        user = confirmed_user()
        notify([user], "listing", "您的成果“钙钛矿电池”已通过审核", "审核意见：同意发布。", "/results/1")
        db.session.commit()
    [message] = inbox.wait_for(1)
    text, html = parts(message)
    assert message["Subject"] == "【技术市场】您的成果“钙钛矿电池”已通过审核"
    assert "审核意见：同意发布。" in text and "http://127.0.0.1:5000/results/1" in text and "查看详情" in html
    unsubscribe = link_in(message, "/account/unsubscribe/")
    assert message["List-Unsubscribe"] == f"<http://127.0.0.1:5000{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "退订" in client.get(unsubscribe).text
    # One-click, as a mail client sends it: no session, no CSRF token (the signed link is the proof).
    assert client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 204
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "mailuser"))
        assert db.session.scalar(select(NotificationPref.email_mode).where(
            NotificationPref.user_id == user.id, NotificationPref.category == "listing")) == "off"
        notify([user], "listing", "第二条通知")
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Message).where(Message.recipient_id == user.id)) == 2
    assert len(inbox.messages) == 1  # in the site only


def test_notices_wait_for_a_confirmed_address(app, inbox):
    with app.app_context():
        user = factories.make_user("unconfirmed", email="unconfirmed@example.cn")
        notify([user], "listing", "通知")
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    assert inbox.messages == []


def test_the_daily_digest_gathers_the_days_notices_once(app, inbox):
    with app.app_context():
        user = confirmed_user()
        for n in range(3):
            notify([user], "saved_search", f"订阅的检索有新结果 {n}", link=f"/results/{n + 1}")  # daily by default
        db.session.commit()
        assert inbox.messages == []
        # 07:59 in Beijing (UTC+8): not yet; 08:00: the digest.
        day = datetime(2026, 12, 2)  # 00:00 UTC = 08:00 in Beijing
        jobs.tick(now=day - timedelta(minutes=1))
        assert db.session.scalar(select(Job.id).where(Job.kind == "notify.daily_digest")) is None
        assert jobs.tick(now=day)["scheduled"] == 2  # the digest and the officials' reminders
        [message] = inbox.wait_for(1)
        text, _html = parts(message)
        assert "通知汇总（3 条）" in message["Subject"] and all(f"订阅的检索有新结果 {n}" in text for n in range(3))
        assert "/account/unsubscribe/" in text
        # Later ticks the same day start nothing new; the next day there is nothing left to gather.
        assert jobs.tick(now=day + timedelta(hours=3))["scheduled"] == 0
        jobs.tick(now=day + timedelta(days=1))
        assert len(inbox.messages) == 1


def test_a_send_that_keeps_failing_is_retried_with_back_off_then_kept_for_an_admin(app, client, inbox, auth):
    with app.app_context():
        user = confirmed_user()
        admin = factories.make_user("mailadmin", role="admin", email="admin@example.cn")
        db.session.commit()
        inbox.refuse = True
        notify([user], "listing", "退回通知", "原因：材料不全。")
        db.session.commit()
        job = db.session.scalar(select(Job).where(Job.kind == "mail.send"))
        waits = []
        while job.state == JobState.QUEUED and len(waits) < 10:
            assert "550" in job.last_error
            waits.append(round((job.run_after - job.started_at).total_seconds()))
            job.run_after = utcnow()  # the wait is over: the scheduler hands it over again
            db.session.commit()
            jobs.tick()
            db.session.refresh(job)
        assert waits == [30, 120, 480, 1920]  # 30 s × 4ⁿ
        assert (job.state, job.attempts) == (JobState.FAILED, job.max_attempts)
        job_id, admin_name = job.id, admin.username
    auth.login(admin_name, factories.PASSWORD)
    page = client.get("/admin/jobs?state=failed")
    assert page.status_code == 200 and f"/admin/jobs/{job_id}" in page.text
    assert "550" in client.get(f"/admin/jobs/{job_id}").text
    inbox.refuse = False
    assert client.post(f"/admin/jobs/{job_id}/retry").status_code == 302
    [message] = inbox.wait_for(1)
    assert "退回通知" in message["Subject"]
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.state, job.attempts) == (JobState.DONE, 1)
        assert db.session.scalar(select(func.count()).select_from(SecurityLogEntry).where(
            SecurityLogEntry.kind == "job.retried")) == 1


def test_only_admins_see_the_jobs_page(app, client, auth):
    with app.app_context():
        factories.make_user("someone", role="official")
        db.session.commit()
    assert client.get("/admin/jobs").status_code == 302
    auth.login("someone", factories.PASSWORD)
    assert client.get("/admin/jobs").status_code == 403
