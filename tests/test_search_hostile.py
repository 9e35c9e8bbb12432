"""Hostile queries and the JSON API: bounded, friendly, never a 500."""
import pytest

import search_index
from search_index import query as query_module
from models import db
from tests import factories as f

KILLERS = ["*", "*a*", "a*", "NOT NOT x", "a ANDNOT ANDNOT b", 'created:"x"', "title:燃料电池", "燃料~2", "/.*/",
           "((((((((燃料", "\"燃料电池", "AND", "OR OR OR", "?", "\x00", "<script>alert(1)</script>", "燃料" * 50]


@pytest.fixture
def app_config():
    return {"SEARCH_CATCH_UP_SECONDS": 0}


@pytest.fixture
def corpus(ctx):
    org = f.make_org()
    results = [f.make_result(org, title=f"燃料电池催化剂{i}号 abc-{i}") for i in range(30)]
    db.session.commit()
    return results


@pytest.mark.parametrize("q", KILLERS)
def test_hostile_queries_are_plain_text(corpus, q):
    # Their cost is bounded by the search's own deadline (test_time_limit_gives_a_friendly_error), not timed here.
    found = search_index.search("result", q)
    assert found.total <= len(corpus)


def test_operator_words_are_not_syntax(corpus):
    assert search_index.search("result", "NOT 燃料电池").total == 30
    assert search_index.search("result", "title:燃料电池").total == 30


@pytest.mark.parametrize("q", KILLERS)
def test_api_never_fails_on_hostile_queries(client, corpus, q):
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200
    assert isinstance(response.json["items"], list)


def test_length_cap(corpus, client):
    with pytest.raises(search_index.SearchError, match="检索词过长"):
        search_index.search("result", "燃" * 101)
    response = client.get("/api/v1/search", query_string={"q": "燃" * 101})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_query" and "检索词过长" in response.json["error"]["message"]


def test_time_limit_gives_a_friendly_error(corpus, monkeypatch, client):
    monkeypatch.setattr(query_module, "TIME_LIMIT", -1.0)
    with pytest.raises(search_index.SearchTimeout, match="检索超时"):
        search_index.search("result", "燃料电池")
    response = client.get("/api/v1/search", query_string={"q": "燃料电池"})
    assert response.status_code == 400 and "检索超时" in response.json["error"]["message"]


@pytest.mark.parametrize("params, message", [
    ({"kind": "contract"}, "未知的检索类型"), ({"sort": "random"}, "未知的排序方式"), ({"page": "x"}, "page 应为"),
    ({"page": "0"}, "page 应为 1 到"), ({"per_page": "1000"}, "per_page 应为 1 到 100"),
    ({"region": "53"}, "地区代码无效"), ({"price_min": "-5"}, "价格区间无效"), ({"price_min": "1e9"}, "价格区间无效"),
    ({"bounty": "maybe"}, "揭榜挂帅筛选值无效"),
])
def test_api_bad_parameters_are_400_with_chinese_message(client, corpus, params, message):
    response = client.get("/api/v1/search", query_string={"q": "燃料电池", **params})
    assert response.status_code == 400
    assert message in response.json["error"]["message"]


@pytest.mark.parametrize("params, message", [
    ({"page": "9999"}, "最多只能查看"), ({"price_min": "9", "price_max": "1"}, "价格区间"),
    ({"kind": "result", "mode": "委托开发"}, "转化方式"),
])
def test_api_values_valid_alone_that_conflict_are_409(client, corpus, params, message):
    """Each value is allowed by the document; together (or for this kind) they break a rule."""
    response = client.get("/api/v1/search", query_string={"q": "燃料电池", **params})
    assert response.status_code == 409 and response.json["error"]["code"] == "rule_conflict"
    assert message in response.json["error"]["message"]


def test_unknown_filter_key_is_refused(corpus):
    with pytest.raises(search_index.SearchError, match="未知的筛选条件"):
        search_index.search("result", "燃料电池", {"status": "draft"})


def test_api_answers_in_rank_order_with_the_documented_fields(client, ctx):
    org = f.make_org(name="云南大学")
    best = f.make_result(org, title="钙钛矿太阳能电池", keywords="钙钛矿", summary="效率 25%。")
    other = f.make_result(org, title="一种光伏支架", keywords="支架", summary="适用于钙钛矿组件。")
    db.session.commit()
    response = client.get("/api/v1/search", query_string={"q": "鈣鈦礦", "kind": "result"})
    assert response.status_code == 200
    body = response.json
    assert body["total"] == 2
    assert [item["id"] for item in body["items"]] == [best.id, other.id]
    first = body["items"][0]
    assert set(first) >= {"id", "kind", "title", "org", "region_code", "field", "score", "highlight"}
    assert first["org"] == "云南大学" and first["kind"] == "result" and first["region_code"] == "530100"
    assert "<mark>钙钛矿</mark>" in body["items"][1]["highlight"]
    assert body["facets"]["city"] == [["530100", 2]]


def test_api_filters_and_pages(client, corpus):
    response = client.get("/api/v1/search", query_string={"q": "燃料电池", "per_page": 7, "page": 5,
                                                          "field": "新材料及其应用", "region": "530100"})
    assert response.status_code == 200
    assert response.json["total"] == 30 and len(response.json["items"]) == 2
    empty = client.get("/api/v1/search", query_string={"q": "燃料电池", "field": "农业"})
    assert empty.json["total"] == 0 and empty.json["items"] == []


def test_empty_index_still_validates_and_answers(client, ctx):
    assert search_index.search("need", "任何").total == 0
    assert client.get("/api/v1/search", query_string={"kind": "need", "region": "x"}).status_code == 400
