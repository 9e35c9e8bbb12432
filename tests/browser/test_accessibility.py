"""axe-core 4.14.1 on every page template, for every role that sees it, at desktop and phone width (WCAG 2.1 A + AA,
GB/T 37668-2019): zero critical and zero serious violations; and on every page, nothing refused by the
Content-Security-Policy, no script error, no request leaving the site, and no sideways scrolling of the page at
phone width (320 px: the smallest phones, and 400 % zoom of 1280 px, WCAG 1.4.10).

The site is the demo data (`flask seed-demo`, fewer contracts). A visitor and one demo user of each role follow the
site's links from their usual starting pages, as a person would, each kind of address once (ids and most query
strings aside). axe checks a page at 1280 px the first time a role meets its template in a make-up not checked yet
(the set of element kinds, classes, roles and input types on the page: a role that sees exactly the components
another role's page of that template had adds nothing axe could judge differently), and at 320 px the first time
any role meets the template (the role-specific navigation is folded away there). Pages reached only through a
mailed link (password reset, unsubscribe) and the few objects the demo data has none of (an import, an export, a
matchmaking event) are added to the start. The server's rendered templates are recorded, and every page template
of the site must have been checked.

axe-core comes from the npm registry, pinned and checked (scripts/ensure_axe.sh, run by `make test`); it is
evaluated through the browser's debugging protocol, so the site's Content-Security-Policy stays as served.
"""
import io
import os
import re
import threading
from collections import deque
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import has_request_context, template_rendered
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from marketplace.account.services import reset_url
from marketplace.demo import seed_demo
from marketplace.imports.exports import start_export
from marketplace.imports.services import start_import
from marketplace.mail import unsubscribe_token
from marketplace.stats.events import create_event
from marketplace.threads.services import start as start_thread
from models import Contract, TechResult, Trade, User, db
from tests.browser.test_security_policy import log_in

pytestmark = [pytest.mark.browser, pytest.mark.frontend]

AXE = Path(os.environ.get("AXE_JS") or Path(__file__).resolve().parents[2] / ".cache/axe-core-4.14.1/axe.min.js")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 320, "height": 640}}
# What a page is made of: every kind of element with its classes, role and input type (not its text).
MAKE_UP = """() => [...new Set([...document.querySelectorAll('body *')].map(el => el.tagName + '.'
  + [...el.classList].sort().join('.') + '[' + (el.getAttribute('role') || '') + ':' + (el.type || '') + ']'))]
  .sort().join(' ')"""
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The outermost elements sticking out of the page on the right (not inside a table's own scrolling region).
WIDE = """() => [...document.querySelectorAll('body *')].filter(el => !el.closest('.table-responsive')
  && el.getBoundingClientRect().right > document.documentElement.clientWidth + 1
  && !(el.parentElement && el.parentElement.getBoundingClientRect().right > document.documentElement.clientWidth + 1))
  .slice(0, 3).map(el => el.outerHTML.slice(0, 160))"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run scripts/ensure_axe.sh (make test does)")
    return AXE.read_text(encoding="utf-8")


def violations(page, source: str, run_only: dict | None = None, impacts=BLOCKING) -> list[str]:
    """The violations axe finds in the page as it is now (by default the WCAG 2.1 A/AA rules, critical and
    serious only): rule, impact and the first few elements."""
    if page.evaluate("typeof window.axe") != "object":
        page.evaluate(source)
    found = page.evaluate("only => axe.run(document, {runOnly: only, resultTypes: ['violations']})"
                          ".then(r => r.violations.map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target.join(' '))]))",
                          run_only or {"type": "tag", "values": TAGS})
    return [f"{rule} ({impact}): {', '.join(targets)}" for rule, impact, targets in found if impact in impacts]


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Who looks, and where each starts (the demo accounts; marketplace/demo_data.py).
START = {
    None: ["/", "/account/display", "/account/password/forgot", "/no-such-page", "/verify", "/verify/{registration_no}",
           "{reset_path}", "/account/unsubscribe/{unsubscribe_token}"],
    "inst_kust": ["/my", "/contracts/{kust_contract}/payments", "/trades/{kust_trade}/manage", "/threads/{kust_thread}", "/threads/blocks", "/matching/mine",
                  "/contracts/", "/threads/", "/inbox/", "/trades/", "/auth/tokens", "/auth/org/members",
                  "/account/settings", "/auth/password", "/my/"],
    "ent_dali": ["/my", "/threads/ask/results/{other_result}", "/tenders/", "/threads/", "/contracts/"],
    "broker_li": ["/matching/board", "/brokers/me", "/contracts/"],
    "official_km": ["/review", "/stats/dashboard", "/contracts/", "/contracts/register", "/contracts/office/calendar",
                    "/contracts/office/years", "/contracts/office/amendments", "/office/imports/", "/stats/events",
                    "/office/imports/{import_job}", "/office/imports/exports/{export_job}", "/stats/events/{event}"],
    "admin": ["/admin/users", "/admin/users/new", "/admin/organisations", "/admin/jobs", "/admin/security-log",
              "/admin/thesaurus", "/threads/reports"],
}
PAGES_PER_ROLE = 40  # page loads a role's walk may make; kinds of address already seen cost none
# Not followed: files, exports, progress feeds, the API, signing out.
SKIP = re.compile(r"\.(csv|xlsx|pdf|json|zip|svg|js|css)$|/download|/files/|/receipt|/attachments/|/progress"
                  r"|^/api/|^/static/|^/healthz|^/readyz|^/auth/logout")
KEPT_QUERY = {"bounty", "dim"}
IMPORT_CSV = "合同编号,合同名称\n".encode("utf-8")  # a file the import reads and reports on (the page is what counts)  # query keys that show a different kind of page
# Page templates no role reaches by a link or a start page, each with the reason.
NOT_PAGES = {
    "base.html": "the layout every page extends",
}


def page_templates() -> set[str]:
    return {path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*.html")
            if not path.name.startswith("_") and "mail" not in path.parts} - set(NOT_PAGES)


def kind_of(url: str) -> str:
    """An address with its ids as '#' and only the query keys that change the kind of page."""
    parts = urlsplit(url)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair} & KEPT_QUERY)
    return re.sub(r"\d+", "#", parts.path) + ("?" + "&".join(keys) if keys else "")


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "DEMO_CONTRACTS_PER_YEAR": 24}


@pytest.fixture
def demo(live_server):
    """The demo data, and the signed links a visitor could only get by mail."""
    with live_server.app.app_context():
        seed_demo(echo=lambda _line: None)
        member = db.session.scalar(select(User).where(User.username == "ent_baiyao"))
        registered = db.session.scalar(select(Contract).where(Contract.status == "registered").order_by(Contract.id))
        official = db.session.scalar(select(User).where(User.username == "official_km"))
        kust = db.session.scalar(select(User).where(User.username == "inst_kust"))
        ids = {"registration_no": registered.registration_no, "reset_path": urlsplit(reset_url(member)).path,
               "unsubscribe_token": unsubscribe_token(member.id, "match"),
               "kust_trade": db.session.scalar(select(Trade.id).where(Trade.organisation_id == kust.organisation_id)),
               "kust_result": db.session.scalar(select(TechResult.id).where(
                   TechResult.organisation_id == kust.organisation_id, TechResult.status == "published")),
               "other_result": db.session.scalar(select(TechResult.id).where(
                   TechResult.organisation_id != kust.organisation_id, TechResult.status == "published")),
               "kust_contract": db.session.scalar(select(Contract.id).where(
                   Contract.seller_org_id == kust.organisation_id, Contract.status == "registered")),
               "kust_thread": start_thread(
                   db.session.scalar(select(User).where(User.username == "ent_dali")),
                   db.session.scalar(select(TechResult).where(TechResult.organisation_id == kust.organisation_id,
                                                              TechResult.status == "published")),
                   "授权条件", "请问许可的年限和费用如何计算？").id,
               "import_job": start_import(official, "contract", "合同.csv", io.BytesIO(IMPORT_CSV)).id,
               "export_job": start_export(official, MultiDict({"status": "registered"}), "csv").id,
               "event": create_event(official, {"name": "昆明市科技成果对接会", "region_code": "530100",
                                                "held_on": date(2026, 5, 1)}).id}
        db.session.commit()
    return ids


@pytest.fixture
def rendered(live_server):
    """The templates the server renders, per request path (the browser waits for each page before the next)."""
    seen, lock = [], threading.Lock()

    def record(_sender, template, context, **_extra):
        if has_request_context():
            with lock:
                seen.append(template.name)

    template_rendered.connect(record, live_server.app)
    yield seen
    template_rendered.disconnect(record, live_server.app)


# The sweep in two halves, one in each of make test's two runs (they run side by side): the public side here,
# the registration office and the platform's staff in test_accessibility_staff.py. The templates only staff
# reach are checked there; every other page template here.
PUBLIC_SIDE = (None, "inst_kust", "ent_dali")
STAFF_SIDE = ("broker_li", "official_km", "admin")
STAFF_ONLY = {
    "admin/job.html", "admin/jobs.html", "admin/organisations.html", "admin/security_log.html",
    "admin/thesaurus.html", "admin/user_new.html", "admin/users.html", "brokers/edit.html",
    "contracts/calendar.html", "contracts/closed_amendments.html", "contracts/register.html", "contracts/years.html",
    "imports/export.html", "imports/index.html", "imports/show.html", "listings/review.html", "matching/board.html",
    "stats/dashboard.html", "stats/event_form.html", "threads/reports.html",
}


def sweep(page, origin: str, demo: dict, rendered: list, source: str, who) -> tuple[set, set, list, int]:
    """Each of `who` walks the site; returns the (user, template) pairs seen at 1280 px, the templates checked at
    320 px, the problems found and the pages loaded."""
    checked, phone_checked, make_ups, problems, loads = set(), set(), set(), [], 0
    templates = page_templates()
    for username in who:
        if username:
            log_in(page, username, "Demo-market-2026")
        else:
            page.context.clear_cookies()
        queue, kinds, walked = deque(start.format(**demo) for start in START[username]), set(), 0
        while queue and walked < PAGES_PER_ROLE:
            path = queue.popleft()
            kind = kind_of(path)
            if kind in kinds or SKIP.search(urlsplit(path).path):
                continue
            kinds.add(kind)
            page.set_viewport_size(WIDTHS["desktop"])
            rendered.clear()
            response = page.goto(path)
            walked += 1
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            page.wait_for_load_state("load")
            names = tuple(name for name in rendered if name in templates)
            widths = []
            if any((username, name) not in checked for name in names):
                make_up = (names, page.evaluate(MAKE_UP))
                if make_up not in make_ups:
                    make_ups.add(make_up)
                    widths.append("desktop")
            if any(name not in phone_checked for name in names):
                widths.append("phone")
            checked.update((username, name) for name in names)
            phone_checked.update(names)
            label = f"{username or 'visitor'} {{}} {path} ({', '.join(names)})"
            for width in widths:
                page.set_viewport_size(WIDTHS[width])
                problems += [f"{label.format(width)}: {problem}" for problem in violations(page, source)]
                if width == "phone" and page.evaluate(OVERFLOW) > 1:
                    problems.append(f"{label.format(width)}: the page scrolls sideways by {page.evaluate(OVERFLOW)} px: "
                                    f"{page.evaluate(WIDE)}")
            for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
                if href.startswith(origin + "/"):
                    queue.append(href[len(origin):].split("#")[0])
        loads += walked
    print(f"\naxe at 1280 px on {len(make_ups)} page make-ups")
    return checked, phone_checked, problems, loads


def check_sweep(page, live_server, demo, rendered, axe_source, browser_log, who, expected: set) -> None:
    checked, phone_checked, problems, loads = sweep(page, live_server.url, demo, rendered, axe_source, who)
    print(f"\naxe sweep: {loads} pages loaded, {len(checked)} template × role pairs seen at 1280 px, "
          f"{len(phone_checked)} templates at 320 px")
    missing = expected - {name for _who, name in checked}
    assert missing == set(), f"page templates none of {who} reached: {sorted(missing)}"
    assert problems == [], "\n".join(problems)
    assert browser_log.csp_violations == [] and browser_log.script_errors == []
    assert browser_log.offsite_requests == []


def test_every_public_page_template_has_no_serious_violation(page, live_server, demo, rendered, axe_source,
                                                             browser_log):
    """A visitor, an institute and an enterprise: every page template but those only staff reach."""
    assert STAFF_ONLY <= page_templates()
    check_sweep(page, live_server, demo, rendered, axe_source, browser_log, PUBLIC_SIDE,
                page_templates() - STAFF_ONLY)
