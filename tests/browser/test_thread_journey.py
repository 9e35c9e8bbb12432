"""End-to-end in a real browser: an enterprise asks about a result with a photo attached, the institute answers."""
import io

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from models import ThreadAttachment, ThreadPost, db
from tests import factories
from tests.browser.test_journey import PHONE, flash, horizontal_overflow, log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.frontend]

TITLE = "高原特色植物提取物稳定化技术"


@pytest.fixture
def parties(live_server):
    with live_server.app.app_context():
        ynu = factories.make_org(name="云南大学（咨询旅程）", org_type="高等院校")
        teacher = factories.make_user("ynu_teacher", org=ynu, display_name="王老师")
        factories.make_result(ynu, teacher, title=TITLE)
        factories.make_user("baiyao_buyer", role="enterprise", display_name="采购部刘经理")
        db.session.commit()


def test_an_enterprise_asks_and_the_institute_answers(page, live_server, browser_log, parties, tmp_path):
    photo = tmp_path / "产线照片.png"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 160)).save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())

    log_in(page, "baiyao_buyer", live_server.password)
    page.goto("/results")
    page.get_by_role("link", name=TITLE).first.click()
    page.get_by_role("link", name="向持有单位咨询").click()
    page.get_by_label("留言").fill("请问能否在我方现有产线上试产？附产线照片。")
    page.get_by_label("附件（选填）").set_input_files(str(photo))
    page.get_by_role("button", name="发送").click()
    expect(flash(page)).to_contain_text("已发送")
    expect(page.locator("#posts")).to_contain_text("现有产线上试产")
    expect(page.get_by_role("link", name="产线照片.png")).to_be_visible()
    log_out(page, "采购部刘经理")

    log_in(page, "ynu_teacher", live_server.password)
    page.locator("#nav-inbox").click()
    page.get_by_role("link", name=f"咨询您的成果“{TITLE}”").first.click()
    page.get_by_role("link", name="查看详情").click()
    expect(page.locator("#posts")).to_contain_text("现有产线上试产")
    page.get_by_label("留言").fill("可以，我们下周派人到现场评估。")
    page.get_by_role("button", name="发送").click()
    expect(flash(page)).to_contain_text("已回复")
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("#posts")).to_contain_text("下周派人到现场评估")
    assert horizontal_overflow(page) <= 0, "the thread scrolls sideways on a 375 px wide screen"

    with live_server.app.app_context():
        bodies = db.session.scalars(select(ThreadPost.body).order_by(ThreadPost.id)).all()
        assert bodies == ["请问能否在我方现有产线上试产？附产线照片。", "可以，我们下周派人到现场评估。"]
        assert db.session.scalar(select(ThreadAttachment.content_type)) == "image/png"
    assert browser_log.offsite_requests == []
    assert browser_log.script_errors == []
    assert browser_log.csp_violations == []
