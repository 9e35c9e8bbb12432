"""WCAG 2.1 A and AA (GB/T 37668-2019) by axe-core in the browser: the main pages of each role at desktop width,
the public pages and the newer areas at phone width too, with no critical and no serious violation.

axe-core comes from the npm registry, pinned and checked (scripts/ensure_axe.sh, run by `make test`); it is
evaluated through the browser's debugging protocol, so the site's Content-Security-Policy stays as served.
"""
import os
from pathlib import Path

import pytest

from tests.browser.test_security_policy import ANONYMOUS_PAGES, PAGES_BY_USER, log_in, site  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.frontend]

AXE = Path(os.environ.get("AXE_JS") or Path(__file__).resolve().parents[2] / ".cache/axe-core-4.14.1/axe.min.js")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# Pages that are not worth checking twice (an error page), and no exceptions to the rules so far.
DESKTOP_ONLY = {"/no-such-page", "/verify?no=0"}
# Besides the pages of the policy test: the areas added since (payments, trading, tenders, messages).
MORE_BY_USER = {"seller_user": ["/contracts/{contract}/payments", "/trades/", "/tenders/", "/inbox/", "/threads/"]}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run scripts/ensure_axe.sh (make test does)")
    return AXE.read_text(encoding="utf-8")


def violations(page, source: str) -> list[str]:
    """The blocking violations axe finds in the page as it is now: rule, impact and the first few elements."""
    if page.evaluate("typeof window.axe") != "object":
        page.evaluate(source)
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
                          ".then(r => r.violations.map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target.join(' '))]))",
                          TAGS)
    return [f"{rule} ({impact}): {', '.join(targets)}" for rule, impact, targets in found if impact in BLOCKING]


def check(page, source: str, path: str, width: str, problems: list) -> None:
    page.set_viewport_size(WIDTHS[width])
    page.goto(path)
    page.wait_for_load_state("load")
    problems += [f"{width} {path}: {problem}" for problem in violations(page, source)]


def test_the_main_pages_of_every_role_have_no_serious_violation(page, live_server, site, axe_source):  # noqa: F811
    problems = []
    for width in WIDTHS:
        page.context.clear_cookies()
        for path in ANONYMOUS_PAGES:
            if width == "desktop" or path not in DESKTOP_ONLY:
                check(page, axe_source, path.format(**site), width, problems)
        for username, paths in PAGES_BY_USER.items():
            log_in(page, username)
            # At phone width: the anonymous pages and the newer areas (the role pages share their layout and
            # components, checked at desktop width).
            for path in (paths if width == "desktop" else []) + MORE_BY_USER.get(username, []):
                check(page, axe_source, path.format(**site), width, problems)
    assert problems == [], "\n".join(problems)
