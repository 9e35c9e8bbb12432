"""Usable by everyone (GB/T 37668, 适老化), in a real browser: the main journeys by keyboard alone with the focus
always visible, 大字版 / 高对比度 kept per user, text that reflows at 200 % and 400 % zoom without sideways
scrolling, and tables on a phone that keep readable columns inside a focusable scrolling region."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from models import TechNeed, User, db
from tests import factories
from tests.browser.test_accessibility import axe_source, violations  # noqa: F401 (fixture)
from tests.browser.test_security_policy import ANONYMOUS_PAGES, PAGES_BY_USER, log_in, site  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.frontend]

DESKTOP = {"width": 1280, "height": 900}
FOCUS_PROBLEM = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return ""; }  // past the last control, in the browser's own bar
  const rect = el.getBoundingClientRect();
  const what = el.outerHTML.slice(0, 120);
  if (rect.width < 1 || rect.height < 1) { return "focused but not shown: " + what; }
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== "none";
  return ring ? "" : "no visible focus indicator: " + what;
}"""


@pytest.fixture
def member(live_server, site):  # noqa: F811
    """An enterprise member of the buyer organisation of the `site` world (keyboard journey, display choice)."""
    with live_server.app.app_context():
        from models import Organisation

        buyer = db.session.scalar(select(Organisation).where(Organisation.name == "云南某能源公司（测试）"))
        user = factories.make_user("keyboard_user", "enterprise", buyer, display_name="键盘用户")
        factories.make_need(buyer, user, status="pending", title="待审核的储能热管理需求")  # a row in the review queue
        db.session.commit()
    return "keyboard_user"


class Keyboard:
    """Tab through a page as a keyboard user does, checking that every stop shows where the focus is."""

    def __init__(self, page):
        self.page, self.problems = page, []

    def focused(self, predicate: str) -> bool:
        return self.page.evaluate(f"() => {{ const el = document.activeElement; return !!({predicate}); }}")

    def tab_to(self, predicate: str, limit: int = 80, back: bool = False) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if back else "Tab")
            problem = self.page.evaluate(FOCUS_PROBLEM)
            if problem:
                self.problems.append(f"{self.page.url}: {problem}")
            if self.focused(predicate):
                return
        raise AssertionError(f"{predicate} not reached by Tab within {limit} stops on {self.page.url}")

    def type_into(self, name: str, text: str) -> None:
        if not self.focused(f"el.name === {name!r}"):  # a field the page focuses itself (autofocus) is typed into
            self.tab_to(f"el.name === {name!r}")
        self.page.keyboard.type(text)


def test_the_main_journeys_by_keyboard_alone(page, live_server, site, member):  # noqa: F811
    page.set_viewport_size(DESKTOP)
    keys = Keyboard(page)
    page.goto("/")
    # The first stop is the skip link, shown when focused; it moves the focus past the navigation.
    page.keyboard.press("Tab")
    assert keys.focused("el.classList.contains('skip-link')") and page.evaluate(FOCUS_PROBLEM) == ""
    page.keyboard.press("Enter")
    assert keys.focused("el.id === 'main'")
    # A visitor searches from the navbar and opens a result.
    keys.tab_to("el.type === 'search'", back=True)
    page.keyboard.type("燃料电池")
    page.keyboard.press("Enter")
    page.wait_for_url("**/results?q=*")
    keys.tab_to(f"el.getAttribute('href') === '/results/{site['result']}'")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/results/{site['result']}")
    # Signs in.
    keys.tab_to("el.textContent.trim() === '登录'", back=True)
    page.keyboard.press("Enter")
    page.wait_for_url("**/auth/login*")
    keys.type_into("username", member)
    keys.type_into("password", factories.PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("main .alert")).to_contain_text("欢迎回来")
    # The user menu opens, is walked with the arrows and closes with Escape, the focus back on its button.
    keys.tab_to("el.classList.contains('dropdown-toggle')")
    page.keyboard.press("Enter")
    expect(page.locator(".dropdown-menu.show")).to_be_visible()
    page.keyboard.press("ArrowDown")
    assert keys.focused("el.classList.contains('dropdown-item')")
    page.keyboard.press("Escape")
    expect(page.locator(".dropdown-menu.show")).to_have_count(0)
    assert keys.focused("el.classList.contains('dropdown-toggle')")
    # Publishes a need: from 我的单位 to the form, every field by keyboard, a select by the arrows, a box by Space.
    keys.tab_to("el.textContent.trim() === '我的单位'", back=True)
    page.keyboard.press("Enter")
    page.wait_for_url("**/my")
    keys.tab_to("el.getAttribute('href') === '/needs/new'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/needs/new")
    keys.type_into("title", "锂电池低温性能提升")
    keys.tab_to("el.name === 'field'")
    page.keyboard.press("ArrowDown")
    keys.type_into("description", "零下二十度容量保持率不低于 80%。")
    keys.tab_to("el.name === 'cooperation_modes'")
    page.keyboard.press("Space")
    keys.tab_to("el.name === 'save_draft'")
    page.keyboard.press("Enter")
    expect(page.locator("main .alert-success")).to_be_visible()
    with live_server.app.app_context():
        need = db.session.scalar(select(TechNeed).where(TechNeed.title == "锂电池低温性能提升"))
        assert need is not None and need.status == "draft" and need.field and need.cooperation_modes
    # Signs out from the menu.
    keys.tab_to("el.classList.contains('dropdown-toggle')", back=True)
    page.keyboard.press("Enter")
    keys.tab_to("el.textContent.trim() === '退出登录'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()
    assert keys.problems == [], "\n".join(keys.problems)


def test_large_text_and_high_contrast_are_kept_for_the_browser_and_the_account(
        page, browser, live_server, site, member, axe_source):  # noqa: F811
    page.set_viewport_size(DESKTOP)
    page.goto("/results")
    large = page.get_by_role("button", name="大字版")
    large.click()
    expect(large).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
    page.reload()  # drawn large from the start: the head script reads the choice before the body
    assert page.evaluate("document.documentElement.className") == "display-large"
    # At 125 % the navbar does not fit 1280 px: it collapses behind its button, which opens it.
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    toggler.click()
    expect(page.get_by_role("link", name="统计")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.get_by_role("button", name="高对比度").click()
    # High contrast meets AAA (7:1) as well as AA on the pages a visitor sees most.
    contrast_rules = {"type": "rule", "values": ["color-contrast", "color-contrast-enhanced"]}
    for path in ("/", "/results", f"/results/{site['result']}", "/stats/", "/auth/login"):
        page.goto(path)
        found = violations(page, axe_source, contrast_rules, impacts=("minor", "moderate", "serious", "critical"))
        assert found == [], (path, found)
    # Signing in keeps the visitor's choice; a change made signed in is stored with the account.
    log_in(page, member, fresh_session=False)  # the display cookie stays
    assert page.evaluate("document.documentElement.className") == "display-large display-contrast"
    with page.expect_response("**/account/display") as saved:
        page.get_by_role("button", name="大字版").click()
    assert saved.value.status == 204
    with live_server.app.app_context():
        assert db.session.scalar(select(User.display_mode).where(User.username == member)) == "contrast"
    # Another device: the standard look until the member signs in, then the account's choice.
    elsewhere = browser.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        other = elsewhere.new_page()
        other.goto("/")
        assert other.evaluate("document.documentElement.className") == ""
        log_in(other, member)
        assert other.evaluate("document.documentElement.className") == "display-contrast"
        expect(other.get_by_role("button", name="高对比度")).to_have_attribute("aria-pressed", "true")
    finally:
        elsewhere.close()


# The main pages of each role reflow at 200 % (1280 px seen as 640 px): no sideways scrolling of the page; wide
# tables scroll inside their own region (WCAG 1.4.10 allows it for data tables). At 400 % (320 px) the axe sweep
# checks every page template (tests/browser/test_accessibility.py); 大字版 here at both.
REFLOW_WIDTHS = (640,)


def test_text_reflows_at_200_percent_zoom_and_in_large_text(page, live_server, site):  # noqa: F811
    problems = []

    def check(path, widths=REFLOW_WIDTHS):
        for width in widths:
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(path.format(**site))
            wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if wide > 1:
                culprit = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(el =>
                    el.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                    && !el.closest('.table-responsive')).slice(0, 3).map(el => el.outerHTML.slice(0, 100))""")
                problems.append(f"{width} px {path}: {wide} px too wide: {culprit}")

    for path in ANONYMOUS_PAGES:
        check(path)
    for username, paths in PAGES_BY_USER.items():
        log_in(page, username)
        for path in paths:
            check(path)
    page.context.add_cookies([{"name": "display", "value": "large_contrast", "url": live_server.url}])
    for path in ("/", "/results", "/stats/"):  # 大字版 too
        check(path, (640, 320))
    assert problems == [], "\n".join(problems)


# At 390 px every cell keeps four characters or more on a line (or its whole text when shorter), and a table
# wider than the screen scrolls inside a region that the keyboard reaches and that says what it holds.
PHONE_TABLES = {"official_yn": ["/contracts/", "/review"], "site_admin": ["/admin/users", "/admin/organisations"],
                "seller_user": ["/contracts/", "/my"]}
SQUEEZED = """() => {
  const problems = [];
  for (const cell of document.querySelectorAll('main td, main th')) {
    const text = cell.innerText.replace(/\\s+/g, '');
    if (text.length < 2 || cell.querySelector('input, select, textarea, button, .btn')) { continue; }
    const tops = new Set();
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(walker.currentNode);
      for (const rect of range.getClientRects()) { if (rect.width > 0) { tops.add(Math.round(rect.top)); } }
    }
    const lines = Math.max(tops.size, 1);
    if (lines > Math.ceil(text.length / 4)) { problems.push(lines + ' lines for ' + text.slice(0, 20)); }
  }
  for (const region of document.querySelectorAll('.table-responsive')) {
    if (region.scrollWidth > region.clientWidth + 1 &&
        !(region.tabIndex >= 0 && (region.getAttribute('aria-label') || region.getAttribute('aria-labelledby')))) {
      problems.push('a scrolling table the keyboard cannot reach: ' + region.outerHTML.slice(0, 80));
    }
  }
  return problems;
}"""


def test_tables_on_a_phone_keep_readable_columns_and_scroll_in_a_focusable_region(page, live_server, site,  # noqa: F811
                                                                                 member):
    page.set_viewport_size({"width": 390, "height": 844})
    problems = []
    for username, paths in PHONE_TABLES.items():
        log_in(page, username)
        for path in paths:
            page.goto(path.format(**site))
            assert page.locator("main table").count() > 0, path
            problems += [f"{username} {path}: {problem}" for problem in page.evaluate(SQUEEZED)]
            if page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"):
                problems.append(f"{username} {path}: the page itself scrolls sideways")
    assert problems == [], "\n".join(problems)
