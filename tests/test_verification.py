"""Public verification of registration numbers: what it says (and does not), hostile input, the rate limit."""
import socket
import uuid
from datetime import date

import pytest

from marketplace.contracts import services
from models import Contract, db
from tests.conftest import close_app, fresh_app
from tests.contract_helpers import amend, draft, officials, parties, register_path
from tests.factories import make_user

AMOUNT = 3_501_000_50
SECRET_BITS = ["3,501,000.50", "3501000.50", "350.10万元", "12,345.67", "530100）", "530300", "云南省", "昆明市",
               "曲靖市", "HT-2026-007", "燃料电池催化剂", "新材料及其应用", "合同.pdf", "昆明市科学技术局"]


@pytest.fixture(autouse=True)
def fresh_limits(app):
    """The shared test app keeps its limiter between tests: each test starts and leaves with nothing counted."""
    app.extensions["market_limiter"].reset()
    yield
    app.extensions["market_limiter"].reset()


@pytest.fixture
def world(app):
    with app.app_context():
        seller, buyer = parties()
        seller_user = make_user("seller_user", "institute", seller)
        official, _, _ = officials()
        numbers = {}
        for key, day in (("valid", 1), ("amended", 2), ("cancelled", 3)):
            contract = draft(seller, buyer, seller_user, amount_fen=AMOUNT, deductions={"equipment": 12_345_67},
                             contract_no=f"HT-2026-00{day}" if key != "valid" else "HT-2026-007")
            if key == "valid":
                services.attach_pdf(contract, seller_user, "合同.pdf", b"%PDF-1.4\n% test\n")
            register_path(contract, seller_user, official, on=date(2026, 4, day))
            numbers[key] = contract
        amend(numbers["amended"], seller_user, [official], "补充发票", AMOUNT, {"parts": 1_00})
        services.transition(numbers["cancelled"], "cancel", official, "合同解除")
        refused = draft(seller, buyer, seller_user, title="被拒合同")
        services.transition(refused, "file", seller_user)
        services.transition(refused, "accept", official)
        services.transition(refused, "refuse", official, "标的不明确")
        db.session.commit()
        return {key: contract.registration_no for key, contract in numbers.items()}


def assert_nothing_else(page: str) -> None:
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    for bit in SECRET_BITS:
        assert bit not in main, bit


@pytest.mark.parametrize("key, label", [("valid", "已登记，有效"), ("amended", "已变更登记，有效"), ("cancelled", "已撤销")])
def test_the_answer_gives_standing_date_type_and_names_only(client, world, key, label):
    response = client.get(f"/verify/{world[key]}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and label in page and f'data-standing="{key}"' in page
    assert world[key] in page and "技术开发（委托开发）" in page
    assert "昆明理工大学（测试）" in page and "云南某能源公司（测试）" in page
    day = {"valid": 1, "amended": 2, "cancelled": 3}[key]
    assert f"2026-04-0{day}" in page
    assert ("最近变更日期" in page) == (key == "amended")
    if key == "amended":
        assert f"{date.today():%Y-%m-%d}" in page
    assert_nothing_else(page)


def test_the_form_answers_the_typed_number_even_with_spaces_and_fullwidth_digits(client, world):
    assert "登记证明核验" in client.get("/verify").get_data(as_text=True)
    typed = " ".join(world["valid"][i:i + 4] for i in range(0, 16, 4))
    fullwidth = typed.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    for raw in (typed, fullwidth, world["valid"] + "\n"):
        response = client.get("/verify", query_string={"no": raw})
        assert response.status_code == 200 and "已登记，有效" in response.get_data(as_text=True)


@pytest.mark.parametrize("raw", [
    "2026999999000001", "1", "x" * 5000, "1' OR '1'='1", "2026530100000001; DROP TABLE contracts", "\x00\x1b[31m",
    "<script>alert(1)</script>", "登记号", "😀" * 30, "%00", "..", "2026530100000001X", "NaN",
])
def test_unknown_or_malformed_numbers_are_not_found_never_an_error(client, world, raw):
    response = client.get("/verify", query_string={"no": raw})
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "未找到该登记号" in page
    assert "<script>alert" not in page and "\x00" not in page and len(page) < 20_000
    assert_nothing_else(page)


@pytest.mark.parametrize("path", ["/verify/2026999999000001", "/verify/abc", "/verify/%00", "/verify/" + "9" * 3000,
                                  "/verify/1%27%20OR%201=1--", "/verify/%E7%99%BB%E8%AE%B0"])
def test_unknown_numbers_in_the_url_are_404_with_the_answer(client, world, path):
    response = client.get(path)
    assert response.status_code == 404 and "未找到该登记号" in response.get_data(as_text=True)


def test_an_imported_number_is_found_as_written(app, client, world):
    with app.app_context():
        contract = db.session.scalar(db.select(Contract).where(Contract.registration_no == world["valid"]))
        contract.registration_no = "昆登字(2019)km-0042"
        db.session.commit()
    assert client.get("/verify", query_string={"no": " 昆登字(2019)km-0042 "}).status_code == 200
    assert client.get("/verify/昆登字(2019)KM-0042").status_code == 404


def test_too_many_answers_from_one_address_get_429_others_do_not(app, client, world):
    app.config["VERIFY_RATE_LIMIT"] = "30 per minute"
    one = {"REMOTE_ADDR": "203.0.113.7"}
    for _ in range(30):
        assert client.get(f"/verify/{world['valid']}", environ_base=one).status_code == 200
    refused = client.get(f"/verify/{world['valid']}", environ_base=one)
    assert refused.status_code == 429 and "核验请求过于频繁" in refused.get_data(as_text=True)
    assert refused.headers.get("Retry-After")
    assert client.get("/verify", query_string={"no": world["valid"]}, environ_base=one).status_code == 429
    other = client.get(f"/verify/{world['valid']}", environ_base={"REMOTE_ADDR": "203.0.113.8"})
    assert other.status_code == 200 and other.headers["X-RateLimit-Remaining"] == "29"


def test_the_json_answer_says_the_same_and_shares_the_budget(app, client, world):
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    answer = client.get(f"/api/v1/verify/{world['amended']}")
    assert answer.status_code == 200 and answer.json == {
        "registration_no": world["amended"], "standing": "amended", "standing_label": "已变更登记，有效",
        "registered_on": "2026-04-02", "amended_on": f"{date.today():%Y-%m-%d}", "contract_type": "技术开发（委托开发）",
        "seller_name": "昆明理工大学（测试）", "buyer_name": "云南某能源公司（测试）"}
    missing = client.get("/api/v1/verify/%00%27")
    assert missing.status_code == 404 and missing.json["error"]["message"] == "未找到该登记号"
    assert client.get(f"/verify/{world['valid']}").status_code == 200  # the third answer, on the page
    refused = client.get(f"/api/v1/verify/{world['valid']}")
    assert refused.status_code == 429 and refused.json["error"]["message"].startswith("核验请求过于频繁")


def test_other_routes_carry_no_limit_and_no_headers(client, world):
    address = {"REMOTE_ADDR": "198.51.100.4"}
    for _ in range(40):
        response = client.get("/healthz", environ_base=address)
        assert response.status_code == 200 and not any(h.startswith("X-RateLimit") for h in response.headers.keys())
    assert client.get(f"/verify/{world['valid']}", environ_base=address).headers["X-RateLimit-Remaining"] == "29"


def test_the_limiter_hooks_no_other_request(app):
    hooks = [*app.before_request_funcs.get(None, []), *app.after_request_funcs.get(None, []),
             *app.teardown_request_funcs.get(None, [])]
    assert [h for h in hooks if "flask_limiter" in getattr(getattr(h, "func", h), "__module__", "")] == []


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.own_app
@pytest.mark.skipif(not redis_answers(), reason="no Redis at 127.0.0.1:6379")
def test_two_app_instances_share_the_count_in_redis(tmp_path, _migrated_schema):
    settings = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "VERIFY_RATE_LIMIT": "5 per minute",
                "RATELIMIT_KEY_PREFIX": f"market-test-{uuid.uuid4().hex}"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = fresh_app(tmp_path / "a", _migrated_schema, **settings)
    second = fresh_app(tmp_path / "b", _migrated_schema, **settings)
    try:
        address = {"REMOTE_ADDR": "192.0.2.55"}
        statuses = [app.test_client().get("/verify/2026530100000001", environ_base=address).status_code
                    for app in (first, second, first, second, first, second)]
        assert statuses == [404] * 5 + [429]  # the sixth answer is refused by the other instance's count
        assert second.test_client().get("/verify/x", environ_base={"REMOTE_ADDR": "192.0.2.56"}).status_code == 404
    finally:
        for app in (first, second):  # the keys expire within the minute; reset() would empty every app's limits
            close_app(app)


@pytest.mark.own_app
def test_an_unreachable_rate_limit_store_does_not_break_verification(tmp_path, _migrated_schema):
    app = fresh_app(tmp_path, _migrated_schema, RATELIMIT_STORAGE_URI="redis://127.0.0.1:9",
                    VERIFY_RATE_LIMIT="2 per minute")
    try:
        client = app.test_client()
        statuses = [client.get("/verify/2026530100000001").status_code for _ in range(3)]
        assert statuses == [404, 404, 429]  # counted in the process until the store is back
    finally:
        close_app(app)
