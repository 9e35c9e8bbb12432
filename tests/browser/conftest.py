"""Real-browser harness: the app served over HTTP in a thread, driven by the system Chromium.

The browser is the distribution's Chromium (/usr/bin/chromium); Playwright only drives it.
Without the browser these tests are skipped on a developer machine and fail in CI (CI=true).
"""
import os
import threading
from dataclasses import dataclass, field

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from models import db
from tests import factories

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
OFFICIAL_USERNAME = "official_yn"
# A provincial bureau: its review scope is the whole of Yunnan (region codes 53xxxx).
OFFICIAL_ORG = ("云南省科学技术厅", "机关", "530000")
TIMEOUT_MS = 30_000  # a page under a fully loaded test run (both databases side by side) can take over 15 s
# Runs before any page script: every Content-Security-Policy violation becomes a console error.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline code") +
                " in " + e.sourceFile + ":" + e.lineNumber);
});
"""


def is_csp_violation(text: str) -> bool:
    """A console error the policy caused: our reporter's, or Chromium's own 'Refused to …' message."""
    return text.startswith("CSP violation:") or "Content Security Policy" in text


def running_in_ci(environ=os.environ) -> bool:
    """True on a CI runner (CI=true)."""
    return environ.get("CI", "").lower() in ("1", "true", "yes")


def require_chromium(path: str = CHROMIUM, environ=os.environ) -> None:
    """Skip on a developer machine, fail in CI, when the system Chromium is missing."""
    if os.path.exists(path):
        return
    message = f"{path} not found: install the 'chromium' package (make test does it as root)"
    if running_in_ci(environ):
        pytest.fail(message)
    pytest.skip(message)


def buffered(app):
    """The app with each response read whole (and its file closed) before the server sends it.

    When the browser drops a connection mid-response (a navigation while a stylesheet is still
    loading), werkzeug's development server can leave a static file open, which the suite's
    warnings-as-errors turns into a failure of whichever test is running.
    """
    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()
    return wsgi


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        """Keep the test output free of one line per request."""


@dataclass
class BrowserLog:
    offsite_requests: list = field(default_factory=list)
    script_errors: list = field(default_factory=list)
    csp_violations: list = field(default_factory=list)


def record_console(message, log: BrowserLog) -> None:
    """Keep the console errors that report a Content-Security-Policy violation."""
    if message.type == "error" and is_csp_violation(message.text):
        log.csp_violations.append(message.text)


@dataclass
class LiveServer:
    app: Flask
    url: str
    official_username: str
    password: str


@pytest.fixture
def app_config():
    """The browser submits real forms, so CSRF protection stays on."""
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_server(app):
    """The test app (SQLite file, or PostgreSQL with DATABASE_URL) on 127.0.0.1 at a free port."""
    with app.app_context():
        name, org_type, region = OFFICIAL_ORG
        org = factories.make_org(name=name, org_type=org_type, region_code=region)
        factories.make_user(OFFICIAL_USERNAME, role="official", org=org, display_name="省科技厅审核员")
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, buffered(app), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}", OFFICIAL_USERNAME, factories.PASSWORD)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_log():
    """Off-site requests, JavaScript errors and Content-Security-Policy violations seen by the `page` fixture."""
    return BrowserLog()


@pytest.fixture
def page(browser, live_server, browser_log):
    """A fresh browser context on the live server; off-site requests are blocked, they and CSP violations recorded."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    offsite, errors = browser_log.offsite_requests, browser_log.script_errors

    def only_local(route):
        url = route.request.url
        if url.startswith(live_server.url + "/") or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            offsite.append(url)
            route.abort()

    context.route("**/*", only_local)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    new_page = context.new_page()
    new_page.on("pageerror", lambda exc: errors.append(str(exc)))
    new_page.on("console", lambda message: record_console(message, browser_log))
    try:
        yield new_page
    finally:
        context.close()
