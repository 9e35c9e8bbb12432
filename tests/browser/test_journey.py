"""End-to-end in a real browser: an institute publishes a result and an official approves it."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from models import ListingStatus, TechResult, User, db

pytestmark = [pytest.mark.browser, pytest.mark.frontend]

PHONE = {"width": 375, "height": 812}
INSTITUTE = {
    "username": "kust_materials",
    "display_name": "李研究员",
    "password": "Catalyst-2026-lab",
    "org_name": "昆明理工大学新材料研究院",
}
RESULT_TITLE = "低铂燃料电池催化剂规模化制备技术"


def flash(page):
    """The flash messages shown at the top of the page."""
    return page.locator("main .alert")


def sign_up_institute(page):
    """Sign up as an institute, creating a new organisation in Kunming."""
    page.goto("/auth/register")
    page.get_by_label("科研机构/高校").check()
    page.get_by_label("用户名").fill(INSTITUTE["username"])
    page.get_by_label("姓名/显示名").fill(INSTITUTE["display_name"])
    page.get_by_label("密码", exact=True).fill(INSTITUTE["password"])
    page.get_by_label("确认密码").fill(INSTITUTE["password"])
    page.get_by_label("新建单位").check()
    page.get_by_label("单位名称").fill(INSTITUTE["org_name"])
    page.get_by_label("单位类型").select_option("高等院校")
    page.get_by_label("所在地区").select_option("530100")
    page.get_by_role("button", name="注册").click()
    # Sign-up answers every accepted form the same way (a taken username is not revealed); then log in.
    expect(flash(page)).to_contain_text("注册已提交")
    log_in(page, INSTITUTE["username"], INSTITUTE["password"])


def submit_result(page):
    """Fill in the result form and send it to review."""
    page.goto("/results/new")
    page.get_by_label("名称").fill(RESULT_TITLE)
    page.get_by_label("技术领域").select_option("新材料及其应用")
    page.get_by_label("所在地区").select_option("530100")
    page.get_by_label("关键词").fill("燃料电池；催化剂；低铂")
    page.get_by_label("摘要/技术指标").fill("铂载量降至 0.1 mg/cm²，功率密度 1.2 W/cm²，已完成公斤级中试。")
    page.get_by_label("成熟度").select_option("中试")
    page.get_by_label("转让", exact=True).check()
    page.get_by_label("许可", exact=True).check()
    page.get_by_label("价格（万元）").fill("120.50")
    page.get_by_role("button", name="提交审核").click()
    expect(flash(page)).to_contain_text("已提交审核")
    expect(page.get_by_role("heading", name=RESULT_TITLE)).to_be_visible()


def log_out(page, display_name):
    """Open the account menu in the navbar and press 退出登录."""
    page.locator("#mainNav").get_by_role("button", name=re.compile(display_name)).or_(
        page.locator("#mainNav").get_by_role("link", name=re.compile(display_name))).click()
    page.get_by_role("button", name="退出登录").click()
    expect(flash(page)).to_contain_text("已退出登录")


def log_in(page, username, password):
    """Log in through the form and wait for the welcome message."""
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(flash(page)).to_contain_text("欢迎回来")


def approve_in_review_queue(page):
    """Open the review queue from the navbar and approve the pending result."""
    page.locator("#mainNav").get_by_role("link", name=re.compile("^审核")).click()
    expect(page).to_have_url(re.compile(r"/review$"))
    expect(page.get_by_text(RESULT_TITLE)).to_be_visible()
    approve = page.get_by_role("button", name="审核通过")
    expect(approve).to_have_count(1)
    approve.click()
    expect(flash(page)).to_contain_text("审核通过")


def browse_card(page):
    """The card of the test result on a browse page."""
    return page.locator(".listing-card").filter(has_text=RESULT_TITLE)


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 = fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_institute_result_is_published_after_official_approval(page, live_server, browser_log):
    sign_up_institute(page)
    submit_result(page)
    log_out(page, INSTITUTE["display_name"])

    # Not public while it waits for review.
    page.goto("/results")
    expect(browse_card(page)).to_have_count(0)

    log_in(page, live_server.official_username, live_server.password)
    approve_in_review_queue(page)
    log_out(page, "省科技厅审核员")

    page.goto("/results")
    card = browse_card(page)
    expect(card).to_have_count(1)
    expect(card).to_contain_text(INSTITUTE["org_name"])
    expect(card).to_contain_text("120.50")

    # The same page on a phone: the card is there and nothing scrolls sideways.
    page.set_viewport_size(PHONE)
    page.reload()
    expect(card).to_be_visible()
    assert horizontal_overflow(page) <= 0, "/results scrolls sideways on a 375 px wide screen"
    card.get_by_role("link", name=RESULT_TITLE).click()
    expect(page.get_by_role("heading", name=RESULT_TITLE)).to_be_visible()
    assert horizontal_overflow(page) <= 0, "the result page scrolls sideways on a 375 px wide screen"

    with live_server.app.app_context():
        result = db.session.scalar(select(TechResult).where(TechResult.title == RESULT_TITLE))
        assert result.status == ListingStatus.PUBLISHED
        assert result.price_fen == 120_500_000  # 120.50 万元, exact
        assert result.organisation.name == INSTITUTE["org_name"]
        owner = db.session.scalar(select(User).where(User.username == INSTITUTE["username"]))
        assert owner.role == "institute" and owner.organisation_id == result.organisation_id

    assert browser_log.offsite_requests == []
    assert browser_log.script_errors == []
    assert browser_log.csp_violations == []


@pytest.mark.parametrize("path", ["/results", "/auth/register", "/auth/login"])
def test_pages_fit_a_phone_screen(page, path):
    page.set_viewport_size(PHONE)
    response = page.goto(path)
    assert response.status == 200
    assert horizontal_overflow(page) <= 0, f"{path} scrolls sideways on a 375 px wide screen"
