"""Browse pages: filters, sorting, visibility and facet counts on a hand-made corpus."""
import re
from datetime import date, timedelta

import pytest

from marketplace.listings import browse_params, browse_service
from models import ListingStatus, TechNeed, TechResult, db
from tests import factories as f

WAN = 1_000_000


@pytest.fixture
def corpus(app):
    """Four published results, three published needs, and hidden listings of every other status."""
    with app.app_context():
        kunming = f.make_org(name="昆明理工大学", region_code="530100")
        qujing = f.make_org(name="曲靖农科所", region_code="530300")
        chengdu = f.make_org(name="成都智造研究院", region_code="510100", org_type="企业")
        ids = {
            "fuel": f.make_result(kunming, title="燃料电池催化剂", field="新材料及其应用", region_code="530100",
                                  maturity="中试", transfer_modes="转让;许可", price_fen=500 * WAN,
                                  keywords="燃料电池;催化剂").id,
            "irrigation": f.make_result(qujing, title="节水灌溉系统", field="农业", region_code="530300",
                                        maturity="产业化", transfer_modes="技术服务", price_fen=None,
                                        keywords="节水;灌溉", summary="滴灌控制").id,
            "robot": f.make_result(chengdu, title="工业机器人视觉检测", field="先进制造", region_code="510100",
                                   maturity="小试", transfer_modes="许可;合作开发", price_fen=50 * WAN,
                                   keywords="机器视觉", summary="缺陷检测").id,
            "sensor": f.make_result(kunming, title="精度50%提升的传感器", field="电子信息", region_code="530100",
                                    maturity="研发", transfer_modes="转让", price_fen=1200 * WAN,
                                    keywords="传感器", summary="高精度").id,
            "thermal": f.make_need(kunming, title="电池包热管理", field="新能源与高效节能", region_code="530100",
                                   budget_fen=200 * WAN).id,
            "saline": f.make_need(qujing, title="盐碱地改良揭榜", field="农业", region_code="530300",
                                  budget_fen=None, is_bounty=True, bounty_fen=100 * WAN).id,
            "expired": f.make_need(chengdu, title="过期的农业需求", field="农业", region_code="510100",
                                   budget_fen=80 * WAN, deadline=date.today() - timedelta(days=5)).id,
        }
        for status in (ListingStatus.DRAFT, ListingStatus.PENDING, ListingStatus.RETURNED, ListingStatus.WITHDRAWN):
            ids[f"result_{status}"] = f.make_result(kunming, title=f"隐藏成果燃料电池{status}", status=status).id
            ids[f"need_{status}"] = f.make_need(kunming, title=f"隐藏需求电池包{status}", status=status).id
        db.session.commit()
        return ids


def shown(client, url):
    """(response, ids of the listed cards in page order)."""
    response = client.get(url)
    assert response.status_code == 200
    return response, [int(i) for i in re.findall(r'data-listing-id="(\d+)"', response.text)]


def messages(response):
    return re.findall(r'filter-message" role="alert">([^<]*)<', response.text)


def test_results_show_only_published(client, corpus):
    response, ids = shown(client, "/results")
    assert set(ids) == {corpus[k] for k in ("fuel", "irrigation", "robot", "sensor")}
    assert "隐藏成果" not in response.text
    assert 'id="result-count">共 <strong class="text-body">4</strong>' in response.text


def test_needs_hide_expired_by_default_and_never_show_unpublished(client, corpus):
    response, ids = shown(client, "/needs")
    assert set(ids) == {corpus["thermal"], corpus["saline"]}
    assert "隐藏需求" not in response.text
    response, ids = shown(client, "/needs?expired=1")
    assert set(ids) == {corpus["thermal"], corpus["saline"], corpus["expired"]}
    assert "已过期" in response.text


@pytest.mark.parametrize("query, expected", [
    ("field=农业", {"irrigation"}),
    ("region=530000", {"fuel", "irrigation", "sensor"}),  # a province: all its cities
    ("region=530300", {"irrigation"}),  # a city
    ("region=510000", {"robot"}),
    ("maturity=小试", {"robot"}),
    ("mode=许可", {"fuel", "robot"}),
    ("mode=转让", {"fuel", "sensor"}),
    ("price_min=100", {"fuel", "sensor"}),  # 面议 excluded once a range is given
    ("price_max=500", {"fuel", "robot"}),
    ("price_min=50&price_max=500", {"fuel", "robot"}),
    ("q=燃料电池", {"fuel"}),
    ("q=滴灌", {"irrigation"}),  # summary
    ("q=成都智造", {"robot"}),  # organisation name
    ("q=传感器 高精度", {"sensor"}),  # every word must match
    ("q=%", set()),  # punctuation is not a search term: nothing matches, nothing breaks
    ("q=_", set()),
    ("region=530000&mode=转让&price_max=600", {"fuel"}),
    ("region=530000&field=农业&maturity=产业化", {"irrigation"}),
    ("field=农业&maturity=中试", set()),
])
def test_result_filters_narrow(client, corpus, query, expected):
    response, ids = shown(client, "/results?" + query)
    assert set(ids) == {corpus[k] for k in expected}
    assert messages(response) == []


@pytest.mark.parametrize("query, expected", [
    ("bounty=1", {"saline"}),
    ("field=农业", {"saline"}),
    ("field=农业&expired=1", {"saline", "expired"}),
    ("budget_min=100", {"thermal"}),
    ("budget_max=100&expired=1", {"expired"}),
    ("region=530000&expired=1", {"thermal", "saline"}),
    ("region=510100&expired=1", {"expired"}),
    ("q=盐碱&bounty=1", {"saline"}),
])
def test_need_filters_narrow(client, corpus, query, expected):
    response, ids = shown(client, "/needs?" + query)
    assert set(ids) == {corpus[k] for k in expected}
    assert messages(response) == []


def test_sorting_by_price_puts_negotiable_last(client, corpus):
    _, ids = shown(client, "/results?sort=price_asc")
    assert ids == [corpus[k] for k in ("robot", "fuel", "sensor", "irrigation")]
    _, ids = shown(client, "/results?sort=price_desc")
    assert ids == [corpus[k] for k in ("sensor", "fuel", "robot", "irrigation")]
    _, ids = shown(client, "/results")
    assert ids == [corpus[k] for k in ("sensor", "robot", "irrigation", "fuel")]  # newest first


def test_needs_sort_by_budget_and_deadline(client, corpus):
    _, ids = shown(client, "/needs?sort=budget_desc&expired=1")
    assert ids == [corpus[k] for k in ("thermal", "expired", "saline")]
    _, ids = shown(client, "/needs?sort=deadline&expired=1")
    assert ids == [corpus[k] for k in ("expired", "saline", "thermal")]


def test_cards_show_listing_facts(client, corpus):
    response = client.get("/needs?bounty=1")
    assert "揭榜挂帅" in response.text and "100.00万元" in response.text  # 榜额
    assert (date.today() + timedelta(days=30)).isoformat() in response.text
    assert f'/needs/{corpus["saline"]}"' in response.text
    response = client.get("/results?field=农业")
    assert "面议" in response.text and "曲靖农科所" in response.text and "曲靖市" in response.text
    assert "节水" in response.text and "技术服务" in response.text and "产业化" in response.text


def test_chips_remove_one_filter_each(client, corpus):
    response = client.get("/results?field=农业&region=530000")
    chips = dict(re.findall(r'filter-chip" href="([^"]+)"[^>]*>([^<]+)<', response.text)[i][::-1]
                 for i in range(2))
    assert set(chips) == {"领域：农业 ", "地区：云南省 "}
    assert "field" not in chips["领域：农业 "] and "region=530000" in chips["领域：农业 "]
    assert "region" not in chips["地区：云南省 "]


def test_no_results_state_suggests_removing_filters(client, corpus):
    response, ids = shown(client, "/results?field=核应用技术")
    assert ids == []
    assert "没有找到符合条件的科技成果" in response.text and "清除全部条件" in response.text
    assert 'id="result-count">共 <strong class="text-body">0</strong>' in response.text


def test_pagination_boundaries(client, app):
    with app.app_context():
        org = f.make_org()
        ids = [f.make_result(org, title=f"成果{n}").id for n in range(45)]
        db.session.commit()
    newest_first = ids[::-1]
    _, page1 = shown(client, "/results")
    _, page2 = shown(client, "/results?page=2")
    _, page3 = shown(client, "/results?page=3")
    assert page1 == newest_first[:20] and page2 == newest_first[20:40] and page3 == newest_first[40:]
    _, last = shown(client, "/results?page=99999")
    assert last == page3
    for bad in ("abc", "-1", "0", "1.5", "9" * 5000):
        response, first = shown(client, f"/results?page={bad}")
        assert first == page1 or first == page3, bad
    response = client.get("/results?page=2&field=先进制造")
    assert "?page=3" not in response.text


HOSTILE = [
    ("q=" + "长" * 500, "搜索词过长"),
    ("q=<script>alert(1)</script>", "部分匹配"),  # only some words occur in the corpus
    ("q=%", None),
    ("q=_", None),
    ("q='", None),
    ("q=' OR 1=1 --", None),
    ("q=1; DROP TABLE tech_results", "部分匹配"),
    ("page=abc", "页码无效"),
    ("page=-1", "页码无效"),
    ("price_min=NaN", "最低价格"),
    ("price_max=-1", "金额不能为负数"),
    ("price_max=1e9", "最高价格"),
    ("price_max=1000000000", "金额过大"),
    ("price_min=inf", "最低价格"),
    ("price_min=500&price_max=50", "最低价格高于最高价格"),
    ("field=unknown", "未知的技术领域"),
    ("region=999999", "未知的地区代码"),
    ("region=abc", "未知的地区代码"),
    ("maturity=x", "未知的成熟度"),
    ("mode=%", "未知的转化方式"),
    ("sort=id;drop", "未知的排序方式"),
    ("q=%00", None),
]


@pytest.mark.parametrize("query, message", HOSTILE)
def test_hostile_params_never_fail(client, corpus, query, message):
    response = client.get("/results?" + query)
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    found = messages(response)
    if message:
        assert any(message in m for m in found), found
    else:
        assert found == []
    if "price" in query or "page" in query or "field" in query or "region" in query or "mode" in query:
        _, ids = shown(client, "/results?" + query)
        assert len(ids) == 4  # the bad filter is ignored


@pytest.mark.parametrize("query", ["budget_min=NaN", "budget_max=-1", "bounty=<b>", "expired=%27", "page=1e3",
                                   "sort=price_asc", "region=110000000"])
def test_hostile_need_params(client, corpus, query):
    response = client.get("/needs?" + query)
    assert response.status_code == 200


def _recount(rows, keep, key):
    counts = {}
    for row in rows:
        if keep(row):
            for value in key(row):
                counts[value] = counts.get(value, 0) + 1
    return counts


@pytest.mark.parametrize("query", ["", "field=农业", "region=530000", "mode=许可&maturity=中试", "q=电池",
                                   "price_min=40&region=530100"])
def test_result_facets_match_independent_recount(app, corpus, query):
    from werkzeug.datastructures import MultiDict
    from urllib.parse import parse_qsl

    with app.test_request_context("/results?" + query):
        params = browse_params.parse_params("result", MultiDict(parse_qsl(query)))
        page = browse_service.browse("result", params)
        rows = [r for r in db.session.scalars(db.select(TechResult)) if r.status == ListingStatus.PUBLISHED]

    def matches(row, skip):
        text = f"{row.title} {row.keywords} {row.summary} {row.organisation.name}"
        return ((not params.q or all(w in text for w in params.q.split()))
                and (skip == "field" or not params.field or row.field == params.field)
                and (skip == "region" or params.region is None
                     or row.region_code == params.region.code or row.region.province_code == params.region.code)
                and (skip == "maturity" or not params.maturity or row.maturity == params.maturity)
                and (skip == "mode" or not params.mode or params.mode in row.transfer_mode_list)
                and (params.amount_min is None or (row.price_fen is not None and row.price_fen >= params.amount_min))
                and (params.amount_max is None or (row.price_fen is not None and row.price_fen <= params.amount_max)))

    assert page.total == sum(matches(r, None) for r in rows)
    expected = {
        "field": _recount(rows, lambda r: matches(r, "field"), lambda r: [r.field]),
        "region": _recount(rows, lambda r: matches(r, "region"), lambda r: [r.region.province_code]),
        "maturity": _recount(rows, lambda r: matches(r, "maturity"), lambda r: [r.maturity]),
        "mode": _recount(rows, lambda r: matches(r, "mode"), lambda r: r.transfer_mode_list),
    }
    assert {k: dict(v) for k, v in page.facets.items()} == expected


def test_need_facets_match_independent_recount(app, corpus):
    from werkzeug.datastructures import MultiDict

    with app.test_request_context("/needs"):
        params = browse_params.parse_params("need", MultiDict({"field": "农业", "expired": "1"}))
        page = browse_service.browse("need", params)
        rows = [n for n in db.session.scalars(db.select(TechNeed)) if n.status == ListingStatus.PUBLISHED]
    assert dict(page.facets["field"]) == _recount(rows, lambda r: True, lambda r: [r.field])
    assert dict(page.facets["region"]) == _recount(rows, lambda r: r.field == "农业",
                                                   lambda r: [r.region.province_code])
    assert dict(page.facets["bounty"]) == {"1": sum(1 for r in rows if r.field == "农业" and r.is_bounty)}


def test_facet_panel_shows_counts(client, corpus):
    response = client.get("/results?region=530000")
    panel = response.text.split('data-facet="field"', 1)[1].split("</div>", 1)[0]
    assert re.search(r"农业\s*</a>\s*<span[^>]*>1</span>", panel)
    assert re.search(r"新材料及其应用\s*</a>\s*<span[^>]*>1</span>", panel)
    assert "先进制造" not in panel  # only in Sichuan


def test_navbar_search_keeps_query_and_kind(client, corpus):
    response = client.get("/needs?q=盐碱&bounty=1")
    navbar = response.text.split("</nav>", 1)[0]
    assert 'action="/needs"' in navbar and 'value="盐碱"' in navbar
    assert 'name="bounty" value="1"' in navbar
    navbar = client.get("/").text.split("</nav>", 1)[0]
    assert 'action="/results"' in navbar and 'value=""' in navbar
