"""HTTP caching and compression through the real app: hashed static URLs, 304s, who may cache, gzip and Brotli."""
import gzip
import hashlib
import io
import itertools
import re
import zipfile
from datetime import date

import pytest
from flask import template_rendered
from itsdangerous.timed import TimestampSigner

from marketplace.compression import brotli
from marketplace.contracts import services as contract_services
from marketplace.http_cache import IMMUTABLE, StaticVersions
from marketplace.stats import rollup
from models import CacheVersion, Contract, Organisation, User, db
from tests import factories
from tests.contract_helpers import draft, parties, register_path
from tests.test_listings_lifecycle import RESULT_FORM, login
from tests.test_security_headers import assert_security_headers

STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"?]+)\.([0-9a-f]{12})(\.[a-z]+)"')
YEAR = date.today().year


@pytest.fixture
def world(app):
    """A published result and bounty need of an institute, a reviewer, an enterprise and a registered contract."""
    with app.app_context():
        org = factories.make_org("昆明某研究所")
        owner = factories.make_user("owner", "institute", org)
        result = factories.make_result(org, owner)
        need = factories.make_need(factories.make_org("曲靖某公司", "企业", "530300"), is_bounty=True)
        reviewer = factories.make_user("reviewer", "official")
        applicant = factories.make_user("applicant", "institute", factories.make_org("昆明另一研究所"))
        seller, buyer = parties()
        seller_user = factories.make_user("seller", "institute", seller)
        official = factories.make_user("registrar", "official", factories.make_org("昆明市科技局", "机关", "530100"))
        contract = draft(seller, buyer, seller_user, amount_fen=123_456_78)
        db.session.commit()
        return {"result": result.id, "need": need.id, "org": org.id, "contract": contract.id,
                "sessions": {name: factories.session_id(user) for name, user in (
                    ("owner", owner), ("reviewer", reviewer), ("applicant", applicant),
                    ("seller", seller_user), ("registrar", official))}}


def covered_urls(world) -> list[str]:
    return ["/", "/results", "/needs?bounty=1", f"/results/{world['result']}", f"/needs/{world['need']}",
            f"/stats/?kind=year&year={YEAR}", "/api/v1/search?q=催化剂", "/api/v1/results",
            f"/api/v1/results/{world['result']}", f"/api/v1/stats/regions?from={YEAR}-01-01",
            "/api/v1/stats/breakdown?region=530000", "/api/v1/stats/bulletin?region=530100"]


def logout(client):
    with client.session_transaction() as sess:
        sess.clear()


def fetch(client, url, **kwargs):
    """GET and close (a static file is streamed from an open file)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
    return response


def etag_of(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return response.headers["ETag"]


# Static files


def test_static_urls_in_pages_carry_the_file_hash_and_are_immutable(app, client):
    urls = {}
    for page in ("/", f"/stats/?kind=year&year={YEAR}"):
        urls.update({stem + ext: version for stem, version, ext in
                     STATIC_URL.findall(client.get(page).get_data(as_text=True))})
    assert {"/static/css/site.css", "/static/js/site.js", "/static/js/stats.js", "/static/js/display.js",
            "/static/vendor/bootstrap-5.3.9/bootstrap.min.css", "/static/favicon.svg"} <= set(urls)
    for path, version in urls.items():
        with open(app.static_folder + path.removeprefix("/static"), "rb") as handle:
            content = handle.read()
        assert version == hashlib.sha256(content).hexdigest()[:12]
        stem, ext = path.rsplit(".", 1)
        response = fetch(client, f"{stem}.{version}.{ext}")  # the hashed file name
        assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE
        assert response.data == content and "Expires" not in response.headers
    # The plain name, the older ?v= form with an outdated hash, and an outdated hashed name still work, but must
    # be revalidated; a hashed name of no file is not found.
    for url in ("/static/css/site.css", "/static/css/site.css?v=000000000000", "/static/css/site.000000000000.css"):
        response = fetch(client, url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "public, no-cache", url
    assert fetch(client, "/static/css/nothing.0123456789ab.css").status_code == 404


def test_the_old_icon_address_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and re.fullmatch(r"/static/favicon\.[0-9a-f]{12}\.svg", response.headers["Location"])
    icon = fetch(client, response.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_a_hashed_static_file_is_sent_compressed_with_its_content(client):
    page = client.get("/").get_data(as_text=True)
    css = next(f"{stem}.{version}{ext}" for stem, version, ext in STATIC_URL.findall(page)
               if stem.endswith("bootstrap.min"))
    plain = fetch(client, "/static/vendor/bootstrap-5.3.9/bootstrap.min.css")
    packed = fetch(client, css, headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "br" and len(packed.data) < len(plain.data) / 5
    assert brotli.decompress(packed.data) == plain.data


def test_static_files_answer_304_on_both_validators(client):
    first = fetch(client, "/static/js/site.js")
    for headers in ({"If-None-Match": first.headers["ETag"]},
                    {"If-Modified-Since": first.headers["Last-Modified"]}):
        again = fetch(client, "/static/js/site.js", headers=headers)
        assert again.status_code == 304 and again.data == b""
        assert_security_headers(again)


def test_a_file_hash_is_read_once_and_follows_the_content_when_tracking(tmp_path):
    (tmp_path / "app.css").write_text("body { color: red }")
    once, tracking = StaticVersions(str(tmp_path)), StaticVersions(str(tmp_path), track_changes=True)
    before = once.get("app.css")
    assert before == tracking.get("app.css") and once.get("../etc/passwd") is None and once.get("nope.css") is None
    (tmp_path / "app.css").write_text("body { color: blue; }")
    assert once.get("app.css") == before  # hashed once per process: a deploy restarts the workers
    assert tracking.get("app.css") not in (None, before)  # the debug server follows edits


# Conditional GET


def test_every_covered_page_and_api_answers_304_to_its_etag(client, world):
    for url in covered_urls(world):
        client.get(url)  # a query's first answer also builds this test's (lazy) index
        first = client.get(url)
        assert first.status_code == 200, url
        assert first.headers["ETag"].startswith('W/"'), url
        assert first.headers["Cache-Control"] == "public, no-cache", url
        assert "Set-Cookie" not in first.headers, url  # nothing personal in an anonymous page
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", url
        assert again.headers["ETag"] == first.headers["ETag"], url
        assert_security_headers(again)
        assert {"Cookie", "Accept-Encoding"} <= set(again.vary), url
        other = client.get(url, headers={"If-None-Match": 'W/"something-else"'})
        assert other.status_code == 200, url


@pytest.mark.parametrize("url", ["/", "/needs/{need}", "/results?field=新材料及其应用", "/needs?bounty=1",
                                 f"/stats/?region=530100&kind=year&year={YEAR}"])
def test_listing_browse_and_statistics_pages_answer_304_before_rendering(app, client, world, url):
    url = url.format(**world)
    tag = etag_of(client, url)
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    with template_rendered.connected_to(record, app):
        assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
        assert client.head(url, headers={"If-None-Match": tag}).status_code == 304
        assert rendered == []
        stale = client.get(url, headers={"If-None-Match": 'W/"stale"'})
        assert stale.status_code == 200 and stale.data  # built, or the kept copy of an anonymous page


def test_editing_and_taking_down_a_listing_change_its_validator(app, client, world):
    url = f"/results/{world['result']}"
    tag = etag_of(client, url)
    login(client, world["sessions"]["owner"])
    client.post(f"{url}/edit", data={**RESULT_FORM, "title": "催化剂关键技术（二期）", "submit_review": "1"})
    logout(client)
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 404  # back in review: not public
    login(client, world["sessions"]["reviewer"])
    client.post(f"{url}/action", data={"action": "approve"})
    logout(client)
    edited = client.get(url, headers={"If-None-Match": tag})
    assert edited.status_code == 200 and "催化剂关键技术（二期）" in edited.get_data(as_text=True)
    api_tag = etag_of(client, f"/api/v1/results/{world['result']}")
    browse_tag = etag_of(client, "/results")
    login(client, world["sessions"]["reviewer"])
    client.post(f"{url}/action", data={"action": "take_down", "comment": "信息失实"})
    logout(client)
    assert client.get(url, headers={"If-None-Match": edited.headers["ETag"]}).status_code == 404
    assert client.get(f"/api/v1/results/{world['result']}", headers={"If-None-Match": api_tag}).status_code == 404
    assert client.get("/results", headers={"If-None-Match": browse_tag}).status_code == 200


def test_what_the_listing_page_shows_from_other_rows_changes_its_validator(app, client, world):
    url = f"/needs/{world['need']}"
    tag = etag_of(client, url)
    login(client, world["sessions"]["applicant"])
    client.post(f"{url}/apply", data={"proposal": "我所有十年电池热管理研究基础。"})
    logout(client)
    applied = client.get(url, headers={"If-None-Match": tag})
    assert applied.status_code == 200 and "1 家" in applied.get_data(as_text=True)
    result_url = f"/results/{world['result']}"
    tag = etag_of(client, result_url)
    with app.app_context():
        db.session.get(Organisation, world["org"]).name = "昆明某研究所（更名）"
        db.session.commit()
    renamed = client.get(result_url, headers={"If-None-Match": tag})
    assert renamed.status_code == 200 and "昆明某研究所（更名）" in renamed.get_data(as_text=True)
    home_tag = etag_of(client, "/")
    with app.app_context():
        factories.make_org("新注册单位")  # the home page counts organisations
        db.session.commit()
    assert client.get("/", headers={"If-None-Match": home_tag}).status_code == 200


def test_registering_a_contract_changes_the_statistics_validators(app, client, world):
    urls = [f"/stats/?region=530100&kind=year&year={YEAR}", f"/api/v1/stats/regions?from={YEAR}-01-01",
            "/api/v1/stats/bulletin?region=530100"]
    tags = {url: etag_of(client, url) for url in urls}
    with app.app_context():
        contract = db.session.get(Contract, world["contract"])
        seller = db.session.scalar(db.select(User).where(User.username == "seller"))
        registrar = db.session.scalar(db.select(User).where(User.username == "registrar"))
        register_path(contract, seller, registrar, on=date.today())
        db.session.commit()
    for url, tag in tags.items():
        assert client.get(url, headers={"If-None-Match": tag}).status_code == 200, url


class TestWithCsrf:
    """As in production: forms make CSRF tokens (the tests' default app turns CSRF off)."""

    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_a_returning_visitor_gets_304s_before_rendering_and_no_cookie(self, app, client, world):
        urls = covered_urls(world)
        first = {url: client.get(url) for url in urls}
        assert not [url for url, response in first.items() if "Set-Cookie" in response.headers]
        rendered = []

        def record(sender, template, context, **extra):
            rendered.append(template.name)

        with template_rendered.connected_to(record, app):
            for url in urls[:6]:  # the pages with a fingerprint
                again = client.get(url, headers={"If-None-Match": first[url].headers["ETag"]})
                assert again.status_code == 304 and again.headers["Cache-Control"] == "public, no-cache", url
        assert rendered == []

    def test_a_page_with_a_form_is_private(self, client, world):
        login(client, world["sessions"]["owner"])
        page = client.get(f"/results/{world['result']}")
        assert 'name="csrf_token"' in page.get_data(as_text=True)  # the owner's action buttons
        assert page.headers["Cache-Control"] == "private, no-cache"
        assert client.get(f"/results/{world['result']}", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304


def test_a_new_release_changes_every_etag(app, client, world):
    tag = etag_of(client, "/results")
    app.extensions["release_id"] = "the-next-release"  # what new templates or code would give
    try:
        assert client.get("/results", headers={"If-None-Match": tag}).status_code == 200
    finally:
        app.extensions.pop("release_id")


def stats_token():
    return dict(db.session.execute(db.select(CacheVersion.name, CacheVersion.token)).all())["stats"]


def test_only_changes_to_registered_contracts_move_the_statistics_version(app, world):
    with app.app_context():
        before = stats_token()
        contract = db.session.get(Contract, world["contract"])
        contract.title = "燃料电池催化剂委托开发（修订）"  # still a draft: no figure changes
        db.session.commit()
        assert stats_token() == before
        rollup.rebuild()  # a repair recounts the cells: pages must not keep the old figures
        db.session.commit()
        rebuilt = stats_token()
        assert rebuilt != before
        seller = db.session.scalar(db.select(User).where(User.username == "seller"))
        registrar = db.session.scalar(db.select(User).where(User.username == "registrar"))
        register_path(contract, seller, registrar, on=date.today())
        db.session.commit()
        registered = stats_token()
        assert registered not in (before, rebuilt)
        contract_services.transition(contract, "cancel", registrar, "登记有误")
        db.session.commit()
        assert stats_token() not in (before, rebuilt, registered)


# Who may keep a copy


def test_a_logged_in_users_pages_are_private_and_revalidate_despite_fresh_csrf_tokens(client, world, monkeypatch):
    clock = itertools.count(1_800_000_000)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: next(clock))  # a new token every time
    login(client, world["sessions"]["owner"])
    for url in ("/", "/results", f"/results/{world['result']}", f"/stats/?kind=year&year={YEAR}"):
        first = client.get(url)
        assert first.headers["Cache-Control"] == "private, no-cache", url
        assert "Cookie" in first.vary, url
        token = re.search(r'name="csrf-token" content="([^"]+)"', first.get_data(as_text=True)).group(1)
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, url
        changed = client.get(url).get_data(as_text=True)
        assert token not in changed  # the page's token did change; the ETag ignores it
    anonymous_tag = etag_of(client, "/results")
    logout(client)
    assert client.get("/results", headers={"If-None-Match": anonymous_tag}).status_code == 200


def test_a_page_showing_a_flash_message_is_never_stored(client, world):
    login(client, world["sessions"]["owner"])
    url = f"/results/{world['result']}"
    response = client.post(f"{url}/edit", data={**RESULT_FORM, "submit_review": "1"}, follow_redirects=True)
    assert "重新进入审核" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers


@pytest.mark.parametrize("url", ["/auth/login", "/my", "/contracts/", "/no-such-page"])
def test_other_pages_that_depend_on_the_session_are_private(client, world, url):
    login(client, world["sessions"]["owner"])
    assert client.get(url).headers["Cache-Control"] == "private, no-store"


def test_an_api_read_with_a_token_is_private(client, app):
    from marketplace.api.tokens import create_token

    with app.app_context():
        token = create_token(factories.make_user("api_user"), "测试")
        db.session.commit()
    response = client.get("/api/v1/results", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-cache"
    assert "Authorization" in response.vary


# Compression


@pytest.mark.parametrize("coding, decode", [("gzip", gzip.decompress)]
                         + ([("br", brotli.decompress)] if brotli else []))
def test_text_responses_are_compressed_when_asked(client, world, coding, decode):
    for url in ("/", "/results", f"/stats/?kind=year&year={YEAR}", "/api/v1/stats/regions"):
        plain = client.get(url)
        assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.vary
        packed = client.get(url, headers={"Accept-Encoding": f"{coding}, deflate"})
        assert packed.headers["Content-Encoding"] == coding and "Accept-Encoding" in packed.vary
        assert decode(packed.data) == plain.data and len(packed.data) < len(plain.data) / 2
        assert int(packed.headers["Content-Length"]) == len(packed.data)
        again = client.get(url, headers={"Accept-Encoding": coding, "If-None-Match": packed.headers["ETag"]})
        assert again.status_code == 304


def test_static_files_are_compressed_with_a_weak_etag(app, client):
    with open(app.static_folder + "/vendor/bootstrap-5.3.9/bootstrap.min.css", "rb") as handle:
        original = handle.read()
    url = "/static/vendor/bootstrap-5.3.9/bootstrap.min.css"
    packed = fetch(client, url, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(packed.data) == original
    assert packed.headers["ETag"].startswith('W/"') and len(packed.data) < len(original) / 4
    again = fetch(client, url, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304
    partial = fetch(client, url, headers={"Accept-Encoding": "gzip", "Range": "bytes=0-99"})
    assert partial.status_code == 206 and partial.data == original[:100] and "Content-Encoding" not in partial.headers


def test_small_responses_and_downloads_are_not_compressed(client, world):
    assert "Content-Encoding" not in client.get("/healthz", headers={"Accept-Encoding": "gzip"}).headers
    csv_file = client.get(f"/stats/export/regions.csv?region=530000&kind=year&year={YEAR}",
                          headers={"Accept-Encoding": "gzip, br"})
    assert csv_file.status_code == 200 and "Content-Encoding" not in csv_file.headers
    assert csv_file.data.decode("utf-8-sig").count("\n") > 1
    xlsx = client.get(f"/stats/export/regions.xlsx?region=530000&kind=year&year={YEAR}",
                      headers={"Accept-Encoding": "gzip, br"})
    assert xlsx.status_code == 200 and "Content-Encoding" not in xlsx.headers
    assert zipfile.ZipFile(io.BytesIO(xlsx.data)).testzip() is None


def test_compression_can_be_switched_off(app, client):
    app.config["COMPRESS"] = False
    try:
        assert "Content-Encoding" not in client.get("/", headers={"Accept-Encoding": "gzip"}).headers
    finally:
        app.config["COMPRESS"] = True

