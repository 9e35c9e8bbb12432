"""The API's inputs are stated once: the document's schemas are the ones every request is checked against.

The patterns that stand for the forms' rules (dates in a range, money, non-blank text)
are checked here against the Python rules they stand for; the whole API against an
independent fuzzer in tests/test_api_fuzz.py.
"""
import re
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.form_fields import clean_line
from marketplace.money import MoneyError, parse_wan, parse_yuan
from marketplace.patterns import NOT_BLANK, WAN, YUAN, YUAN_ABOVE_ZERO, date_pattern, int_range, python_regex
from tests.api_helpers import CONTRACT_BODY, RESULT_BODY, auth_for, build_world

PREFIX = "/api/v1"


@pytest.fixture
def world(app):
    return build_world(app)


@pytest.mark.parametrize("low, high", [
    (date(1990, 1, 1), date(2026, 12, 1)), (date(1985, 1, 1), date(2099, 12, 31)),
    (date(2026, 12, 1), date(2036, 12, 1)), (date(2026, 3, 5), date(2026, 3, 9)),
    (date(2024, 2, 29), date(2024, 3, 1)), (date(2027, 2, 28), date(2028, 2, 29)),
])
def test_a_date_pattern_matches_exactly_the_real_dates_in_its_range(low, high):
    pattern = python_regex(date_pattern(low, high))  # as the API's validation and ECMA-262 read it
    day = date(1980, 1, 1)
    while day <= date(2110, 12, 31):
        assert bool(pattern.search(day.isoformat())) == (low <= day <= high), day
        day += timedelta(days=1)
    for text in ("2023-02-29", "2026-02-30", "2026-04-31", "2026-13-01", "2026-00-10", "2026-1-01", "20260101",
                 " 2026-03-06", "2026-03-06\n", "２０２６-03-06"):
        assert not pattern.search(text), text


def test_an_integer_range_pattern_matches_exactly_its_numbers():
    for low in range(0, 100):
        for high in range(low, 100):
            pattern = re.compile(f"^(?:{int_range(low, high, 2)})$")
            assert [n for n in range(100) if pattern.match(f"{n:02d}")] == list(range(low, high + 1))


@settings(max_examples=300, deadline=None)
@given(st.from_regex(YUAN, fullmatch=True))
def test_every_amount_the_document_allows_is_read_by_the_site(text):
    assert parse_yuan(text) >= 0


@settings(max_examples=300, deadline=None)
@given(st.from_regex(YUAN_ABOVE_ZERO, fullmatch=True))
def test_every_positive_amount_the_document_allows_is_above_zero(text):
    assert parse_yuan(text) > 0


@settings(max_examples=300, deadline=None)
@given(st.from_regex(WAN, fullmatch=True))
def test_every_filter_amount_the_document_allows_is_read_by_the_filters(text):
    assert parse_wan(text) >= 0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_money_patterns_refuse_what_the_parser_refuses(text):
    for pattern, parse in ((YUAN, parse_yuan), (WAN, parse_wan)):
        try:
            parse(text)
        except MoneyError:
            assert not python_regex(pattern).search(text), text


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=8))
def test_non_blank_means_something_is_left_once_cleaned(text):
    assert bool(python_regex(NOT_BLANK).search(text)) == bool(clean_line(text)), repr(text)


def _spec(client):
    return client.get(f"{PREFIX}/openapi.json").get_json()


def test_request_bodies_and_region_codes_come_from_the_forms_and_the_regions_table(client, world):
    spec = _spec(client)
    schemas = spec["components"]["schemas"]
    result = schemas["ResultInput"]
    assert set(result["required"]) == {"title", "field", "summary", "maturity", "transfer_modes"}
    assert result["properties"]["title"]["maxLength"] == 200  # the form's Length(max=200)
    assert result["properties"]["summary"]["maxLength"] == 5000
    assert result["properties"]["transfer_modes"]["minItems"] == 1
    assert result["properties"]["trl"] == {"type": ["integer", "null"], "minimum": 1, "maximum": 9,
                                           "description": "技术就绪度 TRL（GB/T 22900）"}
    contract = schemas["ContractInput"]["properties"]
    signed = python_regex(contract["signed_on"]["pattern"])
    assert signed.search(date.today().isoformat()) and not signed.search((date.today() + timedelta(days=1)).isoformat())
    regions = python_regex(schemas["RegionCode"]["pattern"])
    assert regions.search("530100") and regions.search("110000") and not regions.search("999999")
    assert not regions.search("530100\n") and not regions.search("53010")
    assert contract["buyer_region"]["$ref"] == "#/components/schemas/RegionCode"


def test_every_call_on_an_object_is_reached_by_a_link(client, world):
    """A stateful client can walk create → read → change → act: each operation with an id in its path
    is the target of a link, and every link names a real operation and fills all its path parameters."""
    spec = _spec(client)
    operations = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                operations[operation["operationId"]] = (path, item, operation)
    targets = set()
    for path, item, operation in operations.values():
        for response in operation["responses"].values():
            for name, link in response.get("links", {}).items():
                target_path, target_item, target = operations[link["operationId"]]
                needed = {p["name"] for p in target_item.get("parameters", []) + target.get("parameters", [])
                          if p["in"] == "path"}
                assert set(link["parameters"]) == needed, (name, link)
                targets.add(link["operationId"])
    with_ids = {op_id for op_id, (path, _, _) in operations.items() if "{" in path and "verify" not in path}
    assert with_ids <= targets, with_ids - targets


def test_empty_and_missing_are_the_same_for_optional_fields_and_refused_alike_for_required_ones(client, world):
    headers = auth_for(world, "inst")
    for blank in ("", None):
        response = client.post(f"{PREFIX}/results", json={**RESULT_BODY, "contact_name": blank, "price": blank},
                               headers=headers)
        assert response.status_code == 201 and response.json["price"] is None, response.json
    missing = {key: value for key, value in RESULT_BODY.items() if key != "title"}
    answers = [client.post(f"{PREFIX}/results", json=body, headers=headers)
               for body in (missing, {**RESULT_BODY, "title": ""}, {**RESULT_BODY, "title": "  \t"},
                            {**RESULT_BODY, "title": None})]
    assert [a.status_code for a in answers] == [422] * 4
    assert all("title" in a.json["error"]["fields"] for a in answers)


def test_text_parameters_given_empty_are_not_given_and_integers_must_be_integers(client, world):
    assert client.get(f"{PREFIX}/results?region=&field=&maturity=").status_code == 200
    assert client.get(f"{PREFIX}/stats/regions?from=&to=&by=").status_code == 200
    for query in ("page=", "per_page=", "page=1.0", "page=%201"):
        response = client.get(f"{PREFIX}/results?{query}")
        assert response.status_code == 400 and response.json["error"]["code"] == "bad_page", query
    response = client.get(f"{PREFIX}/results?region=647848")  # six digits, but no such region
    assert response.status_code == 400 and "地区代码无效" in response.json["error"]["message"]


def test_values_the_document_refuses_never_reach_a_form(app, client, world):
    """The document's constraints are enforced as written: a title of 201 characters, even of spaces that
    the form would strip, an amount with a leading zero, a date the form could read but the range excludes."""
    headers = auth_for(world, "inst")
    for change in ({"title": "名" * 199 + "  "}, {"contract_amount": "0100.00"}, {"signed_on": "1989-12-31"},
                   {"buyer_region": " 530100"}, {"ip_types": ["其他", "其他"]}):
        response = client.post(f"{PREFIX}/contracts", json={**CONTRACT_BODY, **change}, headers=headers)
        assert response.status_code == 422, (change, response.json)
        assert set(response.json["error"]["fields"]) == set(change) - {"deductions"}, response.json


def test_ids_beyond_the_column_range_are_404_on_every_database(client, world):
    headers = auth_for(world, "official_km")
    for url in ("/contracts/2147483648", "/contracts/0", "/results/99999999999999999999",
                "/needs/9223372036854775808/matches"):
        response = client.get(PREFIX + url, headers=headers)
        assert response.status_code == 404 and response.is_json, url
    response = client.patch(f"{PREFIX}/contracts/2147483648", json={"title": "x"}, headers=auth_for(world, "inst"))
    assert response.status_code == 404
