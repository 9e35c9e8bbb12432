"""One filter parser and one facet count behind the browse pages, the API lists and /api/v1/search."""
import re

import pytest

import search_index
from tests.test_browse import corpus, messages  # noqa: F401 - the fixture is used by name

BAD_INPUT = [
    ("field=量子计算", "未知的技术领域“量子计算”。"),
    ("region=999999", "地区代码无效：未知的地区代码“999999”。"),
    ("region=53", "地区代码无效：未知的地区代码“53”。"),
    ("maturity=x", "未知的成熟度“x”。"),
    ("mode=%25", "未知的转化方式“%”。"),
    ("price_min=-5", "价格区间无效（最低价格）：金额不能为负数。"),
    ("price_max=1e9", "价格区间无效（最高价格）：金额格式不正确：请填写数字（单位万元），如 12.50。"),
]
CROSSED = ("price_min=500&price_max=50", "价格区间无效：最低价格高于最高价格。")


@pytest.mark.parametrize("query, message", BAD_INPUT)
def test_the_same_bad_input_gets_the_same_message_everywhere(client, corpus, query, message):  # noqa: F811
    page = client.get(f"/results?{query}")
    assert page.status_code == 200 and messages(page) == [message + "已忽略该条件。"]
    for url in (f"/api/v1/results?{query}", f"/api/v1/search?kind=result&{query}"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.json["error"] == {**response.json["error"], "code": "bad_filter", "message": message}


def test_crossed_bounds_get_the_same_message_everywhere(client, corpus):  # noqa: F811
    """Each bound is valid alone: the API answers 409 rule_conflict, with the browse page's message."""
    query, message = CROSSED
    assert messages(client.get(f"/results?{query}")) == [message + "已忽略该条件。"]
    for url in (f"/api/v1/results?{query}", f"/api/v1/search?kind=result&{query}"):
        response = client.get(url)
        assert response.status_code == 409, url
        assert response.json["error"] == {**response.json["error"], "code": "rule_conflict", "message": message}


def test_need_flags_are_read_alike(client, corpus):  # noqa: F811
    message = "揭榜挂帅筛选值无效，应为 true 或 false。"
    assert messages(client.get("/needs?bounty=maybe")) == [message + "已忽略该条件。"]
    for url in ("/api/v1/needs?bounty=maybe", "/api/v1/search?kind=need&bounty=maybe"):
        assert client.get(url).json["error"]["message"] == message
    assert client.get("/api/v1/search?kind=need&bounty=true").json["total"] == 1
    assert client.get("/api/v1/needs?bounty=1").json["total"] == 1


def _page_counts(html: str, facet: str) -> dict[str, int]:
    if f'data-facet="{facet}"' not in html:  # no values: no panel
        return {}
    panel = html.split(f'data-facet="{facet}"', 1)[1].split("</div>", 1)[0]
    pairs = re.findall(r"([^<>\s]+)(?: ✕)?\s*</a>\s*<span[^>]*>(\d+)</span>", panel)
    return {label: int(n) for label, n in pairs}


@pytest.mark.parametrize("query", ["", "field=农业", "region=530000&mode=转让", "q=电池&maturity=中试",
                                   "price_min=40&region=530100"])
def test_search_api_facets_are_the_browse_page_facets(app, client, corpus, query):  # noqa: F811
    api = client.get(f"/api/v1/search?kind=result&per_page=100&{query}").json
    page = client.get(f"/results?{query}")
    assert api["total"] == int(re.search(r'id="result-count">共 <strong class="text-body">(\d+)', page.text)[1])
    for facet in ("field", "maturity", "mode"):
        assert {value: n for value, n in api["facets"][facet]} == _page_counts(page.text, facet), facet
    assert sum(n for _value, n in api["facets"]["province"]) == sum(n for _value, n in api["facets"]["city"])


def test_each_facet_ignores_its_own_filter(ctx, corpus):  # noqa: F811
    found = search_index.search("result", "", {"field": "农业"})
    assert found.total == 1
    assert len(found.facets["field"]) > 1  # the other fields stay visible
    assert dict(found.facets["maturity"]) == {"产业化": 1}  # other facets count within the filter
    by_city = search_index.search("result", "", {"region": "530100"})
    assert by_city.total == 2
    assert dict(by_city.facets["province"]) == {"530000": 3, "510000": 1}  # the region filter left out
    assert dict(by_city.facets["field"]) == {"新材料及其应用": 1, "电子信息": 1}


def test_a_need_mode_is_its_cooperation_mode_everywhere(client, corpus):  # noqa: F811
    for url in ("/api/v1/search?kind=need&mode=", "/api/v1/needs?mode="):
        assert client.get(url + "合作开发").json["total"] == 2, url  # both live needs (the expired one is hidden)
        assert client.get(url + "委托开发").json["total"] == 0, url
        refused = client.get(url + "转让")  # a transfer mode of results, not a cooperation mode
        # /needs documents the cooperation modes only (400); /search both kinds' modes, so there the
        # value is valid and only its kind is wrong (409)
        assert refused.status_code == (409 if "search" in url else 400), url
        assert refused.json["error"]["message"] == "未知的合作方式“转让”。"
    assert messages(client.get("/needs?mode=转让")) == ["未知的合作方式“转让”。已忽略该条件。"]
