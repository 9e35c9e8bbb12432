"""Security headers on every kind of response, and templates that need no inline script or style."""
import re

import pytest

from marketplace.security_headers import CONTENT_SECURITY_POLICY
from tests.test_templates import template_texts

EXPECTED = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def assert_security_headers(response, https=False):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name
    hsts = response.headers.get("Strict-Transport-Security")
    assert hsts == ("max-age=31536000; includeSubDomains" if https else None)


@pytest.mark.parametrize("method, url, status", [
    ("GET", "/", 200),                                   # a page
    ("GET", "/auth/login", 200),                          # a form page
    ("GET", "/api/v1/stats/regions", 200),                # the API
    ("GET", "/api/v1/openapi.json", 200),
    ("GET", "/no-such-page", 404),                        # an error page
    ("GET", "/api/v1/no-such-thing", 404),                # an API error
    ("GET", "/stats/export/regions.csv?region=1", 400),   # a refused download
    ("DELETE", "/", 405),
    ("GET", "/listings/results/new", 404),
    ("GET", "/results/new", 302),                         # a redirect to the login page
    ("GET", "/static/css/site.css", 200),                 # static files
    ("GET", "/static/js/site.js", 200),
    ("GET", "/static/no-such-file.js", 404),
])
def test_every_response_carries_the_security_headers(client, method, url, status):
    with client.open(url, method=method) as response:  # a static file is streamed: close it
        assert response.status_code == status
        assert_security_headers(response)


def test_strict_transport_security_only_over_https(client):
    assert_security_headers(client.get("/", base_url="https://market.example"), https=True)
    with client.get("/static/css/site.css", base_url="https://market.example") as response:
        assert_security_headers(response, https=True)
    # A header from the client does not make plain HTTP secure (only a configured proxy fix may).
    assert_security_headers(client.get("/", headers={"X-Forwarded-Proto": "https"}))


@pytest.mark.own_app  # adds a route that fails
def test_an_unhandled_error_page_carries_the_headers_too(app):
    @app.route("/probe/crash")
    def crash():
        raise RuntimeError("boom")

    response = app.test_client().get("/probe/crash")
    assert response.status_code == 500
    assert_security_headers(response)


def test_the_policy_is_one_module_constant():
    assert CONTENT_SECURITY_POLICY == EXPECTED["Content-Security-Policy"]
    assert "unsafe" not in CONTENT_SECURITY_POLICY


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


@pytest.mark.parametrize("pattern", [INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE, re.compile("javascript:", re.I)],
                         ids=["script", "handler", "style", "javascript-url"])
def test_no_template_needs_an_inline_script_or_style(pattern):
    # E-mail bodies (templates/mail/) are read in mail clients, which drop <style> and honour only inline
    # styles; no page of the site serves them, so the policy does not apply. Scripts are refused there too.
    offenders = {name: pattern.findall(text) for name, text in template_texts().items() if pattern.search(text)
                 and not (pattern is INLINE_STYLE and name.startswith("mail/"))}
    assert offenders == {}


def test_the_inline_patterns_catch_what_they_should():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>") and INLINE_SCRIPT.search("<script type='module'>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/site.js"></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="x">{}</script>')
    assert INLINE_HANDLER.search('<button onclick="x()">') and INLINE_HANDLER.search("<input onfocus='x'>")
    assert INLINE_STYLE.search('<div style="x">') and INLINE_STYLE.search("<style>")
    assert not INLINE_STYLE.search('<link rel="stylesheet" href="/static/css/site.css">')
