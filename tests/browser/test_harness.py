"""The browser harness itself: a real page over HTTP, local assets only, phone layout."""
import pytest

from tests.browser.conftest import require_chromium

pytestmark = pytest.mark.frontend
PHONE = {"width": 375, "height": 812}


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 = fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("ci, outcome", [({}, pytest.skip.Exception), ({"CI": "true"}, pytest.fail.Exception)])
def test_missing_browser_skips_locally_and_fails_in_ci(tmp_path, ci, outcome):
    with pytest.raises(outcome):
        require_chromium(str(tmp_path / "no-chromium-here"), environ=ci)
    require_chromium(__file__, environ=ci)  # an existing path: nothing happens


@pytest.mark.browser
def test_home_page_renders_with_local_bootstrap(page, browser_log):
    response = page.goto("/")
    assert response.status == 200
    assert "技术交易服务平台" in page.title()
    # Bootstrap's CSS was served by the app: the navbar is a flex container.
    assert page.locator("nav.navbar").evaluate("el => getComputedStyle(el).display") == "flex"
    # Bootstrap's JS was served by the app too.
    assert page.evaluate("typeof window.bootstrap") == "object"
    assert browser_log.offsite_requests == []
    assert browser_log.script_errors == []
    assert browser_log.csp_violations == []


@pytest.mark.browser
def test_home_page_fits_a_phone_and_menu_opens(page):
    page.set_viewport_size(PHONE)
    page.goto("/")
    assert horizontal_overflow(page) <= 0
    menu = page.locator("#mainNav").get_by_role("link", name="科技成果", exact=True)
    assert not menu.is_visible()
    page.get_by_role("button", name="切换导航").click()
    menu.wait_for(state="visible")


@pytest.mark.browser
def test_missing_page_is_a_friendly_404(page):
    response = page.goto("/no-such-page")
    assert response.status == 404
    assert "技术市场" in page.locator("nav").inner_text()
