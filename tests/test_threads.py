"""Threads between parties about a listing: both organisations and the deal's broker read and answer;
attachments are checked by their content; fast writers are slowed, blocked senders refused, reported posts
reviewed by an admin; nobody else sees a thing."""
import io
import os
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from marketplace.matching import services as matching
from models import (
    Message, SecurityLogEntry, Thread, ThreadAttachment, ThreadBlock, ThreadPost, ThreadReport, User, db,
)
from models.base import utcnow
from tests import factories
from tests.mail_server import inbox, parts, smtp, smtp_app_config  # noqa: F401  (fixtures)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def app_config(smtp_app_config):
    return smtp_app_config


def png(width=40, height=30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def world(app):
    """An institute's published result, an enterprise (with a published need) and a stranger enterprise,
    a broker and an admin; ids only."""
    with app.app_context():
        kust = factories.make_org(name="昆明理工大学（咨询测试）", org_type="高等院校")
        teacher = factories.make_user("teacher", org=kust, email="teacher@kust.example.cn", display_name="张老师")
        teacher.email_verified_at = utcnow()
        colleague = factories.make_user("colleague", org=kust)
        result = factories.make_result(kust, teacher, title="高性能燃料电池铂基催化剂")
        other_result = factories.make_result(kust, teacher, title="钛合金表面处理工艺")
        draft = factories.make_result(kust, teacher, status="draft", title="未发布的成果")
        baiyao = factories.make_org(name="云南白药（咨询测试）", org_type="企业")
        buyer = factories.make_user("buyer", role="enterprise", org=baiyao, email="buyer@baiyao.example.cn",
                                    display_name="李经理")
        buyer.email_verified_at = utcnow()
        need = factories.make_need(baiyao, buyer, title="燃料电池催化剂国产化")
        stranger = factories.make_user("stranger", role="enterprise")
        broker = factories.make_user("broker", role="broker")
        admin = factories.make_user("admin", role="admin")
        db.session.commit()
        return {"result": result.id, "other_result": other_result.id, "draft": draft.id, "need": need.id,
                "teacher": teacher.id, "colleague": colleague.id, "buyer": buyer.id, "stranger": stranger.id,
                "broker": broker.id, "admin": admin.id, "kust": kust.id, "baiyao": baiyao.id}


def upload(client, url, data, files):
    data = {**data, "files": [(io.BytesIO(payload), name) for name, payload in files]}
    response = client.post(url, data=data, content_type="multipart/form-data")
    # The test client spools a large request body to a temporary file and leaves it open.
    response.request.environ["wsgi.input"].close()
    return response


def ask(client, result_id, body="请问催化剂的铂载量是多少？能否提供测试报告？", files=(), subject=""):
    return upload(client, f"/threads/ask/results/{result_id}", {"subject": subject, "body": body}, files)


def reply(client, thread_id, body, files=()):
    return upload(client, f"/threads/{thread_id}/posts", {"body": body}, files)


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Thread, ThreadPost, ThreadAttachment, ThreadReport, ThreadBlock))


def only_thread():
    return db.session.scalars(select(Thread)).one()


def notices(user_id):
    return list(db.session.scalars(select(Message).where(Message.recipient_id == user_id, Message.category == "thread")
                                   .order_by(Message.id)))


def test_an_enterprise_asks_and_both_sides_and_the_broker_answer(app, client, auth, world, inbox):
    auth.login("buyer")
    page = client.get(f"/results/{world['result']}")
    assert f'href="/threads/ask/results/{world["result"]}"' in page.text
    response = ask(client, world["result"], files=[("报价单.pdf", PDF), ("照片.png", png())])
    assert response.status_code == 302
    with app.app_context():
        thread = only_thread()
        assert (thread.owner_org_id, thread.asker_org_id, thread.broker_id) == (world["kust"], world["baiyao"], None)
        assert thread.subject == "咨询：高性能燃料电池铂基催化剂"
        files = db.session.scalars(select(ThreadAttachment).order_by(ThreadAttachment.id)).all()
        assert [(f.filename, f.content_type) for f in files] == [("报价单.pdf", "application/pdf"),
                                                                 ("照片.png", "image/png")]
        # both institute members hear of it in the site; the confirmed one also by e-mail, at once
        assert [n.subject for n in notices(world["teacher"])] == [
            "云南白药（咨询测试）咨询您的成果“高性能燃料电池铂基催化剂”"]
        assert len(notices(world["colleague"])) == 1 and notices(world["buyer"]) == []
        thread_id, pdf_id = thread.id, files[0].id
    mail = inbox.wait_for(1)[0]
    assert mail["To"] == "teacher@kust.example.cn" and "铂载量" in parts(mail)[0]
    assert f"/threads/{thread_id}" in parts(mail)[0]
    # the same organisation asking again writes into its thread, and the detail page leads there
    assert ask(client, world["result"], body="另外，是否支持小批量试产？").status_code == 302
    assert f'href="/threads/{thread_id}"' in client.get(f"/results/{world['result']}").text
    download = client.get(f"/threads/{thread_id}/files/{pdf_id}")
    assert download.data == PDF and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()

    auth.logout()
    auth.login("teacher")
    page = client.get(f"/threads/{thread_id}")
    assert "铂载量" in page.text and "小批量试产" in page.text
    with app.app_context():  # opening the thread reads its notices
        assert all(n.read_at is not None for n in notices(world["teacher"]))
    assert reply(client, thread_id, "铂载量 0.2 mg/cm²，测试报告见附件。", [("检测报告.pdf", PDF)]).status_code == 302
    with app.app_context():
        assert [n.subject for n in notices(world["buyer"])] == ["张老师回复了咨询“咨询：高性能燃料电池铂基催化剂”"]

    # a broker's match between the two organisations brings the broker in
    with app.app_context():
        broker = db.session.get(User, world["broker"])
        from models import TechNeed, TechResult
        matching.propose(broker, db.session.get(TechNeed, world["need"]), db.session.get(TechResult, world["result"]))
        db.session.commit()
        assert only_thread().broker_id == world["broker"]
    auth.logout()
    auth.login("broker")
    assert "0.2 mg/cm²" in client.get(f"/threads/{thread_id}").text
    assert reply(client, thread_id, "我可以协助安排实地考察。").status_code == 302
    assert "咨询：高性能燃料电池铂基催化剂" in client.get("/threads/").text
    with app.app_context():
        assert only_thread().post_count == 4
        assert len(notices(world["teacher"])) == 3 and len(notices(world["buyer"])) == 2


def test_nobody_else_reads_or_writes(app, client, auth, world):
    auth.login("buyer")
    ask(client, world["result"], files=[("a.pdf", PDF)])
    with app.app_context():
        thread = only_thread()
        thread_id, post_id, file_id = thread.id, thread.id, db.session.scalar(select(ThreadAttachment.id))
        post_id = db.session.scalar(select(ThreadPost.id))
        before = counts()
    auth.logout()
    for who in ("stranger", "broker", "admin"):
        auth.login(who)
        assert client.get(f"/threads/{thread_id}").status_code == 404, who
        assert client.get(f"/threads/{thread_id}/files/{file_id}").status_code == 404, who
        assert reply(client, thread_id, "我也想问").status_code == 404, who
        assert client.post(f"/threads/{thread_id}/posts/{post_id}/report", data={"reason": "spam"}).status_code == 404
        assert "高性能燃料电池" not in client.get("/threads/").text
        auth.logout()
    auth.login("stranger")
    assert client.post(f"/threads/{thread_id}/posts/{post_id}/block").status_code == 404
    assert client.get("/threads/reports").status_code == 403
    auth.logout()
    client.get("/")
    assert client.get(f"/threads/{thread_id}").status_code == 302  # to the log-in page
    with app.app_context():
        assert counts() == before


def test_one_may_only_ask_about_another_organisations_published_listing(app, client, auth, world):
    auth.login("teacher")
    assert ask(client, world["result"]).status_code == 403  # one's own result
    auth.logout()
    auth.login("buyer")
    assert ask(client, world["draft"]).status_code == 404  # not published: not visible
    assert ask(client, 2**31 - 1).status_code == 404
    auth.logout()
    auth.login("broker")
    assert ask(client, world["result"]).status_code == 403  # brokers join through their deals
    with app.app_context():
        assert counts() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("name, payload, message", [
    ("报告.pdf", b"<html><script>alert(1)</script></html>", "只接受 PDF 或 PNG"),
    ("图.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "图片"),
    ("脚本.pdf", PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
     "脚本"),
    ("转义.pdf", PDF.replace(b"/Type /Catalog", b"/Type /Catalog /AA << /O << /S /J#61vaScript >> >>"), "脚本"),
    ("截断.pdf", b"%PDF-1.7\n1 0 obj << >> endobj\n", "不完整"),
    ("空.pdf", b"", "空文件"),
    ("大.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n", "超过 10 MB"),
])
def test_attachments_are_checked_by_their_content(app, client, auth, world, name, payload, message):
    auth.login("buyer")
    response = ask(client, world["result"], files=[(name, payload)])
    assert response.status_code == 400 and message in response.text
    assert "请问催化剂" in response.text  # the form comes back filled in
    with app.app_context():
        assert counts() == (0, 0, 0, 0, 0)
        assert not os.path.exists(os.path.join(app.instance_path, "attachments")) or not any(
            name.endswith((".pdf", ".png")) and "tmp" not in name
            for _dir, _dirs, names in os.walk(os.path.join(app.instance_path, "attachments")) for name in names)


def test_too_many_files_a_decompression_bomb_and_bad_text_are_refused(app, client, auth, world):
    auth.login("buyer")
    four = [(f"{n}.pdf", PDF) for n in range(4)]
    assert "最多 3 个附件" in ask(client, world["result"], files=four).text
    assert "像素" in ask(client, world["result"], files=[("bomb.png", png(8000, 6000))]).text
    assert "请填写留言内容" in ask(client, world["result"], body="  \r\n ").text
    assert "不能超过 5000" in ask(client, world["result"], body="长" * 5001).text
    response = ask(client, world["result"], body="含\x00控制字符\x07的留言")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ThreadPost.body)) == "含控制字符的留言"
        assert counts()[2] == 0


def test_fast_writers_are_slowed_and_nothing_is_stored(app, client, auth, world):
    app.config["THREAD_POST_LIMIT"] = (3, 600)
    auth.login("buyer")
    for n in range(3):
        assert ask(client, world["result"], body=f"第 {n} 个问题").status_code == 302
    response = ask(client, world["result"], body="第 4 个问题")
    assert response.status_code == 429 and response.headers["Retry-After"] == "600"
    assert "每 10 分钟最多 3 条" in response.text
    with app.app_context():
        assert counts()[1] == 3


def test_a_blocked_sender_can_no_longer_write_to_the_organisation(app, client, auth, world):
    auth.login("buyer")
    ask(client, world["result"], body="买不买得起？")
    with app.app_context():
        thread_id, post_id = only_thread().id, db.session.scalar(select(ThreadPost.id))
    auth.logout()
    auth.login("teacher")
    page = client.get(f"/threads/{thread_id}")
    assert f"/threads/{thread_id}/posts/{post_id}/block" in page.text
    assert client.post(f"/threads/{thread_id}/posts/{post_id}/block", data={"reason": "骚扰"}).status_code == 302
    assert "李经理" in client.get("/threads/blocks").text
    assert client.post(f"/threads/{thread_id}/posts/{post_id}/block").status_code == 302  # twice: one row
    auth.logout()
    auth.login("buyer")
    before = None
    with app.app_context():
        before = counts()
    response = reply(client, thread_id, "还在吗？")
    assert response.status_code == 403 and "已屏蔽" in response.text
    response = ask(client, world["other_result"], body="那这个呢？")
    assert response.status_code == 403 and "已屏蔽" in response.text
    with app.app_context():
        assert counts() == before
        block_id = db.session.scalar(select(ThreadBlock.id))
        kinds = db.session.scalars(select(SecurityLogEntry.kind).where(SecurityLogEntry.kind.like("thread.%"))).all()
        assert kinds == ["thread.blocked"]
    # only the blocking organisation lifts it
    assert client.post(f"/threads/blocks/{block_id}/delete").status_code == 404
    auth.logout()
    auth.login("colleague")
    assert client.post(f"/threads/blocks/{block_id}/delete").status_code == 302
    auth.logout()
    auth.login("buyer")
    assert reply(client, thread_id, "还在吗？").status_code == 302


def test_a_reported_post_is_hidden_by_an_admin(app, client, auth, world):
    auth.login("buyer")
    ask(client, world["result"])
    with app.app_context():
        thread_id = only_thread().id
    auth.logout()
    auth.login("teacher")
    reply(client, thread_id, "加微信 xxx 转账可优惠", [("优惠.pdf", PDF)])
    with app.app_context():
        bad = db.session.scalars(select(ThreadPost).order_by(ThreadPost.id.desc())).first()
        bad_id, own_id, file_id = bad.id, bad.id - 1, bad.attachments[0].id
    auth.logout()
    auth.login("buyer")
    assert "不能举报自己的留言" in client.post(f"/threads/{thread_id}/posts/{own_id}/report", data={"reason": "spam"}).text
    response = client.post(f"/threads/{thread_id}/posts/{bad_id}/report", data={"reason": "bogus"})
    assert response.status_code == 400 and "请选择举报原因" in response.text
    with app.app_context():
        assert counts()[3] == 0  # own post, unknown reason: nothing stored
    assert client.get(f"/threads/{thread_id}/posts/{bad_id}/report").status_code == 200
    response = client.post(f"/threads/{thread_id}/posts/{bad_id}/report", data={"reason": "fraud", "details": "疑似诈骗"})
    assert response.status_code == 302
    assert "已举报过" in client.post(f"/threads/{thread_id}/posts/{bad_id}/report", data={"reason": "fraud"},
                                      follow_redirects=True).text
    auth.logout()
    auth.login("admin")
    page = client.get("/threads/reports")
    assert "加微信 xxx" in page.text and "诈骗或虚假信息" in page.text
    assert "加微信" in client.get(f"/threads/{thread_id}").text  # read-only, through the report
    with app.app_context():
        report_id = db.session.scalar(select(ThreadReport.id))
    assert "请写明理由" in client.post(f"/threads/reports/{report_id}", data={"decision": "hide"},
                                       follow_redirects=True).text
    assert client.post(f"/threads/reports/{report_id}", data={"decision": "hide", "note": "站外交易诱导"}).status_code == 302
    auth.logout()
    for who in ("buyer", "teacher"):
        auth.login(who)
        page = client.get(f"/threads/{thread_id}")
        assert "加微信" not in page.text and "此留言已被管理员隐藏：站外交易诱导" in page.text
        assert client.get(f"/threads/{thread_id}/files/{file_id}").status_code == 404
        auth.logout()
    with app.app_context():
        row = db.session.get(ThreadReport, report_id)
        assert (row.status, row.decision_note, row.decided_by_id) == ("hidden", "站外交易诱导", world["admin"])
        assert notices(world["buyer"])[-1].subject == "您的举报已处理：已隐藏被举报的留言"
        assert re.search("已被管理员隐藏", notices(world["teacher"])[-1].subject)
        kinds = db.session.scalars(select(SecurityLogEntry.kind).where(SecurityLogEntry.kind.like("thread.%"))
                                   .order_by(SecurityLogEntry.id)).all()
        assert kinds == ["thread.reported", "thread.post_hidden"]
