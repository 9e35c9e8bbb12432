"""Search: analysis, ranking, facets, filters, sorting, pagination, highlights, published only."""
import pytest

import search_index
from search_index import analysis
from models import ListingStatus, db
from tests import factories as f


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_CATCH_UP_SECONDS": 0, "SEARCH_DICT_FILE": str(tmp_path / "dict" / "search_dict.txt")}


@pytest.fixture
def org(ctx):
    return f.make_org(name="昆明理工大学")


def index_terms(text):
    return analysis.segment_for_index(analysis.normalise(text))


def test_search_mode_finds_words_inside_a_long_title(ctx):
    terms = index_terms("高性能燃料电池铂基催化剂关键技术研究")
    assert "燃料电池" in terms and "铂基催化剂" in terms and "催化剂" in terms


def test_traditional_full_width_and_case_are_folded():
    assert analysis.normalise("燃料電池") == "燃料电池"
    assert analysis.normalise("人工智慧 軟體") == "人工智能 软件"
    assert analysis.normalise("ＭＸ-５００") == "mx-500"


def test_model_numbers_index_joined_and_parts(ctx):
    terms = index_terms("MX-500型激光雷达")
    assert {"mx500", "mx", "500"} <= set(terms)
    assert analysis.query_units(analysis.normalise("mx-500")) == ["mx500"]


def test_query_units_drop_operators_and_stop_words(ctx):
    assert analysis.query_units("not not x") == ["x"]
    assert analysis.query_units("的") == ["的"]


def test_admin_words_are_used_at_once_and_stored(app, ctx, tmp_path):
    assert analysis.query_units("锂渣再生骨料") != ["锂渣再生骨料"]
    assert search_index.add_words(["锂渣再生骨料", "锂渣再生骨料", "带 空格"]) == ["锂渣再生骨料"]
    assert analysis.query_units("锂渣再生骨料") == ["锂渣再生骨料"]
    assert "锂渣再生骨料" in (tmp_path / "dict" / "search_dict.txt").read_text(encoding="utf-8")


def test_a_text_segmented_before_admin_words_is_segmented_with_them_after(app, ctx):
    # Segmentations of repeated text are memoised: a new word must not leave the old cut in use.
    before = index_terms("钛石膏复合胶凝材料")
    assert "钛石膏复合胶凝" not in before and index_terms("钛石膏复合胶凝材料") == before
    assert search_index.add_words(["钛石膏复合胶凝"]) == ["钛石膏复合胶凝"]
    assert "钛石膏复合胶凝" in index_terms("钛石膏复合胶凝材料")


@pytest.mark.parametrize("query", ["燃料电池", "铂基催化剂", "燃料電池", "鉑基催化劑", "电池铂", "料电", "铂"])
def test_title_words_and_substrings_find_the_result(org, query):
    result = f.make_result(org)
    f.make_result(org, title="智能灌溉控制系统", keywords="灌溉", summary="节水农业。")
    db.session.commit()
    assert search_index.search("result", query).ids == [result.id]


def test_ranking_title_keywords_body_organisation(ctx):
    plain = f.make_org(name="某某研究院")
    storage_org = f.make_org(name="云南储能科技有限公司")
    by_org = f.make_result(storage_org, title="一种环保型涂层", keywords="涂层", summary="涂层工艺。")
    by_body = f.make_result(plain, title="一种电网调峰系统", keywords="调峰", summary="用于储能电站的调峰控制方法。")
    by_keyword = f.make_result(plain, title="一种锂电池模组", keywords="储能;锂电池", summary="模组结构。")
    by_title = f.make_result(plain, title="储能电站安全监测系统", keywords="监测", summary="监测平台。")
    db.session.commit()
    found = search_index.search("result", "储能")
    assert found.ids == [by_title.id, by_keyword.id, by_body.id, by_org.id]
    assert found.scores[by_title.id] > found.scores[by_keyword.id] > found.scores[by_body.id]


def test_only_published_listings_are_found_and_withdrawal_removes(org):
    published = f.make_result(org)
    for status in (ListingStatus.DRAFT, ListingStatus.PENDING, ListingStatus.RETURNED, ListingStatus.WITHDRAWN):
        f.make_result(org, status=status)
    db.session.commit()
    assert search_index.search("result", "燃料电池").ids == [published.id]
    published.status = ListingStatus.WITHDRAWN
    search_index.record_change(published)
    db.session.commit()
    assert search_index.search("result", "燃料电池").total == 0


def test_results_and_needs_are_searched_separately(org):
    need = f.make_need(org, title="燃料电池电堆测试需求")
    result = f.make_result(org)
    db.session.commit()
    assert search_index.search("need", "燃料电池").ids == [need.id]
    assert search_index.search("result", "燃料电池").ids == [result.id]


def test_facets_and_filters(ctx):
    kunming = f.make_org(name="昆明单位", region_code="530100")
    chengdu = f.make_org(name="成都单位", region_code="510100")
    a = f.make_result(kunming, maturity="中试", transfer_modes="转让;许可")
    b = f.make_result(kunming, maturity="小试", transfer_modes="转让", field="新能源与高效节能")
    c = f.make_result(chengdu, maturity="中试", transfer_modes="技术服务", region_code="510100")
    f.make_result(chengdu, title="无关成果", keywords="其他", summary="无关。", region_code="510100")
    db.session.commit()
    found = search_index.search("result", "燃料电池")
    assert found.total == 3
    assert dict(found.facets["maturity"]) == {"中试": 2, "小试": 1}
    assert dict(found.facets["city"]) == {"530100": 2, "510100": 1}
    assert dict(found.facets["province"]) == {"530000": 2, "510000": 1}
    assert dict(found.facets["mode"]) == {"转让": 2, "许可": 1, "技术服务": 1}
    assert dict(found.facets["field"]) == {"新材料及其应用": 2, "新能源与高效节能": 1}
    assert sorted(search_index.search("result", "燃料电池", {"maturity": "中试"}).ids) == sorted([a.id, c.id])
    assert search_index.search("result", "燃料电池", {"region": "510000"}).ids == [c.id]
    assert sorted(search_index.search("result", "燃料电池", {"region": "530100"}).ids) == sorted([a.id, b.id])
    assert search_index.search("result", "燃料电池", {"mode": "许可"}).ids == [a.id]
    assert search_index.search("result", "燃料电池", {"field": "新能源与高效节能"}).ids == [b.id]


def test_bounty_facet_and_filter(org):
    bounty = f.make_need(org, is_bounty=True)
    f.make_need(org)
    db.session.commit()
    found = search_index.search("need", "热管理")
    assert dict(found.facets["bounty"]) == {"yes": 1, "no": 1}
    assert search_index.search("need", "热管理", {"bounty": "yes"}).ids == [bounty.id]


def test_sort_by_price_and_newest(org):
    cheap = f.make_result(org, price_fen=10 * 1_000_000)
    negotiable = f.make_result(org, price_fen=None)
    dear = f.make_result(org, price_fen=900 * 1_000_000)
    db.session.commit()
    assert search_index.search("result", "燃料电池", sort="price").ids == [cheap.id, dear.id, negotiable.id]
    assert search_index.search("result", "燃料电池", sort="price_desc").ids == [dear.id, cheap.id, negotiable.id]
    assert search_index.search("result", "", sort="newest").ids[0] == dear.id
    priced = search_index.search("result", "", {"price_min": 50 * 1_000_000})
    assert priced.ids == [dear.id]


def test_pagination(org):
    created = [f.make_result(org, title=f"燃料电池成果{i}") for i in range(25)]
    db.session.commit()
    pages = [search_index.search("result", "燃料电池", sort="newest", page=p, per_page=10) for p in (1, 2, 3)]
    assert [len(p.ids) for p in pages] == [10, 10, 5]
    assert all(p.total == 25 for p in pages) and pages[0].pages == 3
    assert sorted(i for p in pages for i in p.ids) == sorted(r.id for r in created)


def test_highlight_marks_query_words_and_escapes_html(org):
    result = f.make_result(org, summary="<b>说明</b>：本成果的燃料电池催化剂载量低。")
    db.session.commit()
    highlight = search_index.search("result", "燃料電池").highlights[result.id]
    assert "<mark>燃料电池</mark>" in highlight
    assert "<b>" not in highlight and "&lt;b&gt;" in highlight


def test_hits_are_reread_from_the_database(org):
    result = f.make_result(org)
    db.session.commit()
    # The index is stale (no outbox entry): the database still decides.
    result.status = ListingStatus.WITHDRAWN
    db.session.commit()
    assert search_index.search("result", "燃料电池", sort="relevance").ids == []
