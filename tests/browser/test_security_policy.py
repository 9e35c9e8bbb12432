"""The main pages under the Content-Security-Policy: nothing refused, and the moved scripts still work."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from models import User, db
from tests import factories
from tests.contract_helpers import draft, officials, parties, register_path
from tests.test_stats_data import add_contract

pytestmark = [pytest.mark.browser, pytest.mark.frontend]

ANONYMOUS_PAGES = ["/", "/results", "/results/{result}", "/needs", "/needs?bounty=1", "/needs/{need}", "/stats/",
                   "/brokers/", "/auth/login", "/auth/register", "/no-such-page", "/verify",
                   "/verify/{registration_no}", "/verify?no=0"]
PAGES_BY_USER = {
    "official_yn": ["/review", "/stats/dashboard?region=530000", "/contracts/"],
    "site_admin": ["/admin/users", "/admin/users/new", "/admin/organisations"],
    "seller_user": ["/my", "/contracts/{contract}", "/contracts/{contract}/certificate", "/auth/tokens"],
}
CHARTS = ["monthly", "type", "field", "regions"]


@pytest.fixture
def site(live_server):
    """A published result and need, a registered contract, last year's figures and an admin."""
    with live_server.app.app_context():
        seller, buyer = parties()
        seller_user = factories.make_user("seller_user", "institute", seller, display_name="卖方联系人")
        official = officials()[0]
        contract = draft(seller, buyer, seller_user)
        register_path(contract, seller_user, official)
        add_contract("530100", "530300", date(date.today().year - 1, 3, 1), 5_000_00)
        factories.make_user("site_admin", "admin", display_name="平台管理员")
        factories.make_user("to_deactivate", "enterprise", display_name="待停用用户")
        ids = {"result": factories.make_result(seller, seller_user).id,
               "need": factories.make_need(buyer).id, "contract": contract.id,
               "registration_no": contract.registration_no}
        db.session.commit()
    return ids


def log_in(page, username, password=factories.PASSWORD, fresh_session=True):
    """The login form, in a fresh session (no cookies of the last user) unless told to keep the browser's cookies."""
    if fresh_session:
        page.context.clear_cookies()
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("main .alert")).to_contain_text("欢迎回来")


def visit(page, path):
    """Open a page and let its scripts run; every page loads Bootstrap and site.js."""
    response = page.goto(path)
    page.wait_for_load_state("load")
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.evaluate("typeof window.bootstrap") == "object", path


# Every page of every role under the policy (nothing refused, no script error, nothing off-site): the template
# sweep of tests/browser/test_accessibility.py checks it on each page it opens.


def test_the_statistics_charts_are_drawn_under_the_policy(page, site, browser_log):
    visit(page, "/stats/")
    for key in CHARTS:
        assert page.evaluate(f"Chart.getChart(document.getElementById('chart-{key}')) !== undefined"), key
    assert page.locator("#chart-regions").evaluate("el => el.parentElement.clientHeight") == 480
    assert page.locator("#chart-monthly").evaluate("el => el.parentElement.clientHeight") == 320
    assert browser_log.csp_violations == [] and browser_log.script_errors == []


def test_a_violation_would_be_caught(page, site, browser_log):
    visit(page, "/")
    page.evaluate("""() => {
        const s = document.createElement('script'); s.textContent = 'window.inlineRan = true;';
        document.body.appendChild(s);
    }""")
    page.wait_for_timeout(200)  # the console message arrives asynchronously
    assert page.evaluate("window.inlineRan === undefined")
    assert any("script-src" in text for text in browser_log.csp_violations), browser_log.csp_violations


def test_the_org_mode_switch_works_from_its_file(page, site, browser_log):
    visit(page, "/auth/register")
    organisation_name = page.get_by_label("单位名称")
    page.get_by_label("新建单位").check()
    expect(organisation_name).to_be_visible()
    page.get_by_label("加入已有单位").check()
    expect(organisation_name).to_be_hidden()
    assert browser_log.csp_violations == [] and browser_log.script_errors == []


def test_a_confirmed_button_asks_first(page, live_server, site, browser_log):
    log_in(page, "site_admin")
    visit(page, "/admin/users")
    row = page.locator("tr").filter(has_text="to_deactivate")
    messages = []

    def answer(dialog, accept):
        messages.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    row.get_by_role("button", name="停用").click()
    page.wait_for_timeout(300)
    assert messages == ["确定停用该账号？其所有登录将立即失效。"]
    assert is_active(live_server, "to_deactivate")

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    row.get_by_role("button", name="停用").click()
    expect(page.locator("main .alert")).to_contain_text("已停用账号 to_deactivate")
    assert not is_active(live_server, "to_deactivate")
    assert browser_log.csp_violations == [] and browser_log.script_errors == []


def is_active(live_server, username) -> bool:
    with live_server.app.app_context():
        return db.session.scalar(select(User.is_active_account).where(User.username == username))


def test_print_and_token_selection_work_from_site_js(page, site, browser_log):
    log_in(page, "seller_user")
    visit(page, f"/contracts/{site['contract']}/certificate")
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.printed === true")

    visit(page, "/auth/tokens")
    page.get_by_placeholder(re.compile("用途")).fill("同步脚本")
    with page.expect_navigation(wait_until="load"):  # site.js, at the end of the page, has run
        page.get_by_role("button", name="生成令牌").click()
    token = page.get_by_label("新令牌")
    token.focus()
    assert token.evaluate("el => el.selectionStart === 0 && el.selectionEnd === el.value.length && el.value.length > 0")
    assert browser_log.csp_violations == [] and browser_log.script_errors == []
