"""The load test's pure helpers (bench/load_support.py, bench/load_traffic.py); the load test never runs here."""
import pytest

from bench.load_support import (
    check_writes, detail_id, is_loopback, marker, parse_form, percentile, scan_server_log, split_bind,
)
from bench.load_traffic import browse_url, contract_fields, listing_fields, search_url, stats_url

FORM_PAGE = """
<form method="post" action="/auth/logout"><input type="hidden" name="csrf_token" value="tok-1"></form>
<form method="post">
  <input id="csrf_token" name="csrf_token" type="hidden" value="tok-1">
  <input id="idempotency_key" name="idempotency_key" type="hidden" value="key&amp;1">
  <select name="contract_type"><option value="">请选择</option><option value="技术开发">技术开发</option>
    <option value="技术服务" selected>技术服务</option></select>
  <input name="ip_types" type="checkbox" value="发明专利"><input name="ip_types" type="checkbox" value="无">
  <input name="title" type="text" value="">
</form>
"""


def test_parse_form_reads_hidden_values_options_and_checkboxes():
    form = parse_form(FORM_PAGE)
    assert form.hidden == {"csrf_token": "tok-1", "idempotency_key": "key&1"}
    assert form.choices("contract_type") == ["技术开发", "技术服务"]
    assert form.options["contract_type"][0] == ""
    assert form.checkboxes == {"ip_types": ["发明专利", "无"]}
    assert form.choices("missing") == []


@pytest.mark.parametrize("location, kind, expected", [
    ("/results/12", "results", 12),
    ("http://127.0.0.1:5801/contracts/7", "contracts", 7),
    ("/needs/3", "results", None),
    ("/results/12/edit", "results", None),
    ("/auth/login?next=/results/12", "results", None),
    (None, "results", None),
])
def test_detail_id_only_accepts_the_detail_page_of_the_expected_kind(location, kind, expected):
    assert detail_id(location, kind) == expected


def test_markers_are_unique_per_user_and_sequence():
    assert marker("ab12cd", 3, 17) == "LTab12cdU03N0017"
    assert len({marker("r", user, seq) for user in range(1, 20) for seq in range(1, 200)}) == 19 * 199


def test_percentile_is_nearest_rank():
    values = [4, 1, 3, 2]
    assert percentile(values, 50) == 2
    assert percentile(values, 95) == 4
    assert percentile(list(range(1, 101)), 99) == 99
    assert percentile([], 50) == 0.0


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("10.0.0.5", False), ("192.168.1.2", False), ("example.com", False), ("", False),
])
def test_only_loopback_hosts_are_targets(host, loopback):
    assert is_loopback(host) is loopback


def test_split_bind():
    assert split_bind("127.0.0.1:5801") == ("127.0.0.1", 5801)
    assert split_bind("[::1]:5802") == ("::1", 5802)
    with pytest.raises(ValueError):
        split_bind("127.0.0.1")


def test_scan_server_log_counts_errors_and_5xx_access_lines():
    log = "\n".join([
        '127.0.0.1 - - [25/Nov/2026:22:55:42 +0000] "GET /healthz HTTP/1.1" 200 16 "-" "locust"',
        '127.0.0.1 - - [25/Nov/2026:22:55:43 +0000] "POST /contracts/new HTTP/1.1" 500 265 "-" "locust"',
        "Traceback (most recent call last):",
        "sqlite3.OperationalError: database is locked",
    ])
    counts = scan_server_log(log)
    assert counts["5xx in access log"] == 1
    assert counts["Traceback"] == 1
    assert counts["database is locked"] == 1
    assert counts["LockError"] == 0


def test_check_writes_counts_lost_duplicated_and_resubmitted_writes():
    writes = [
        {"marker": "A", "acked": True, "id": 1},
        {"marker": "B", "acked": True, "id": 2}, {"marker": "B", "acked": True, "id": 2},  # retry, one row
        {"marker": "C", "acked": True, "id": 3},  # acknowledged but not stored: lost
        {"marker": "D", "acked": False, "id": None},  # refused: not counted as lost
        {"marker": "E", "acked": True, "id": 5}, {"marker": "E", "acked": True, "id": 6},  # double click, two rows
    ]
    check = check_writes(writes, {"A": [1], "B": [2], "E": [5, 6]})
    assert (check.sent, check.acked, check.lost, check.duplicated) == (7, 6, 1, 1)
    assert (check.resubmits, check.split) == (2, 1)


def test_clean_writes_have_no_problems():
    writes = [{"marker": "A", "acked": True, "id": 1}, {"marker": "A", "acked": True, "id": 1}]
    check = check_writes(writes, {"A": [1]})
    assert (check.lost, check.duplicated, check.split, check.resubmits) == (0, 0, 0, 1)


LISTING_PAGE = """
<input id="csrf_token" name="csrf_token" type="hidden" value="tok-2">
<select name="field"><option value="">请选择</option><option value="农业">农业</option></select>
<select name="region_code"><option value="">请选择地区</option><option value="510100">成都市</option>
  <option value="530100">昆明市</option></select>
<select name="maturity"><option value="">请选择</option><option value="中试">中试</option></select>
<input name="transfer_modes" type="checkbox" value="转让"><input name="transfer_modes" type="checkbox" value="许可">
"""


def test_listing_fields_post_offered_values_in_the_reviewers_region():
    pairs = listing_fields("result", parse_form(LISTING_PAGE), "LTx")
    values = dict(pairs)
    assert values["csrf_token"] == "tok-2"
    assert values["title"].endswith(" LTx")
    assert (values["field"], values["region_code"], values["maturity"]) == ("农业", "530100", "中试")
    assert {v for k, v in pairs if k == "transfer_modes"} <= {"转让", "许可"}
    assert "description" in dict(listing_fields("need", parse_form(LISTING_PAGE), "LTy"))


def test_contract_fields_send_back_the_forms_idempotency_key():
    values = dict(contract_fields(parse_form(FORM_PAGE), "LTz"))
    assert values["idempotency_key"] == "key&1"
    assert values["title"].endswith(" LTz")
    assert values["contract_type"] in ("技术开发", "技术服务")
    assert bool(values["subtype"]) == (values["contract_type"] == "技术开发")
    assert int(values["deduct_equipment"]) * 10 <= float(values["contract_amount"])


@pytest.mark.parametrize("make_url", [browse_url, search_url, stats_url])
def test_generated_addresses_are_local_paths(make_url):
    for _ in range(50):
        url = make_url()
        assert url.startswith("/") and not url.startswith("//")
