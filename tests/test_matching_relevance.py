"""Matching: text relevance dominates; filler, overlaps, whole descriptions, price grading, full lists."""
import pytest

from marketplace.matching import engine, terms
from models import db
from tests import factories as f

WAN = 1_000_000


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_CATCH_UP_SECONDS": 0, "SEARCH_DICT_FILE": str(tmp_path / "dict" / "search_dict.txt")}


@pytest.fixture
def orgs(ctx):
    lab_km = f.make_org(name="昆明农业研究所", region_code="530100")
    lab_cd = f.make_org(name="成都植保研究院", region_code="510100")
    buyer = f.make_org(name="会泽薯业合作社", org_type="企业", region_code="530100")
    return lab_km, lab_cd, buyer


def _need(buyer, **fields):
    data = dict(title="洋芋烂叶子问题求助", field="农业", keywords="", budget_fen=80 * WAN, region_code="530100",
                cooperation_modes="技术转让",
                description="会泽县一带农户种植洋芋多年，全县面积超过十万亩，是当地农户主要收入来源，近几年雨季一来"
                            "叶片发黑，产量下降百分之三十以上，急需晚疫病监测预警技术。")
    data.update(fields)
    return f.make_need(buyer, **data)


def _result(org, title, keywords, summary, field="农业", maturity="产业化", price=60, region="530100"):
    return f.make_result(org, title=title, keywords=keywords, summary=summary, field=field, maturity=maturity,
                         price_fen=price * WAN if price is not None else None, region_code=region)


def _by_id(suggestions):
    return {s.listing.id: s for s in suggestions}


def test_a_listing_without_shared_words_never_outranks_one_with_overlap(orgs):
    lab_km, lab_cd, buyer = orgs
    need = _need(buyer)
    # Same field, same city, mature, cheap, but about something else entirely.
    local = _result(lab_km, "高原特色水果冷链保鲜", "冷链;保鲜", "水果采后预冷与冷链保鲜。")
    # Another field, another province, expensive, early stage: but about the need's problem.
    right = _result(lab_cd, "晚疫病孢子监测预警系统", "晚疫病;监测预警", "田间孢子捕捉与预警。",
                    field="电子信息", maturity="研发", price=200, region="510100")
    db.session.commit()
    ranked = engine.suggest_results(need, 10)
    ids = [s.listing.id for s in ranked]
    assert ids.index(right.id) < ids.index(local.id)
    by_id = _by_id(ranked)
    assert by_id[local.id].score <= engine.ZERO_BAND < by_id[right.id].score
    assert by_id[local.id].reasons[0].startswith("无共同主题词")


def test_description_words_beyond_the_first_ten_count(orgs):
    lab_km, lab_cd, buyer = orgs
    need = _need(buyer)
    assert len(need.description.split("，")[0]) > 10  # the problem comes after a long background
    right = _result(lab_cd, "马铃薯晚疫病综合防控", "晚疫病;防控", "晚疫病的监测预警与绿色防控。", region="510100")
    db.session.commit()
    best = engine.suggest_results(need, 5)[0]
    assert best.listing.id == right.id and "晚疫病" in best.shared


def test_filler_words_are_never_shared_keywords(orgs):
    lab_km, lab_cd, buyer = orgs
    need = _need(buyer)
    filler = _result(lab_km, "超过百分之三十的产量下降分析", "产量", "多年来当地农户超过十万亩，产生万吨效益，快速集中下降。")
    db.session.commit()
    suggestion = _by_id(engine.suggest_results(need, 10))[filler.id]
    for word in ("超过", "百分之三十", "多年", "当地", "农户", "十万亩", "一带"):
        assert word not in suggestion.shared and word not in suggestion.reasons[0]


@pytest.mark.parametrize("word", ["超过", "产生", "不足", "快速", "下降", "集中", "万吨", "百分之九十", "两千多",
                                  "三百多台", "一带", "多年", "农户", "会泽县", "高"])
def test_filler_words(word):
    assert terms.is_filler(word)


@pytest.mark.parametrize("word", ["三七", "晚疫病", "高速公路", "七叶一枝花", "一体化", "dr500"])
def test_subject_words_are_kept(word):
    assert not terms.is_filler(word)


def test_overlapping_words_count_once(ctx):
    units = [u for u, _w, _s in terms.listing_units(["高速公路"], "供水管漏损", "高速 供水 供水管 高速公路 团雾")]
    assert units == ["高速公路", "供水管", "漏损", "团雾"]


def test_overlapping_words_are_one_shared_keyword(orgs):
    lab_km, lab_cd, buyer = orgs
    need = _need(buyer, title="高速公路团雾预警", field="现代交通", keywords="高速公路",
                 description="山区高速公路秋冬季常起团雾，高速路段多次追尾。")
    result = _result(lab_cd, "高速公路团雾监测预警", "高速公路;团雾", "高速公路沿线团雾监测。", field="现代交通")
    db.session.commit()
    suggestion = _by_id(engine.suggest_results(need, 10))[result.id]
    assert "高速公路" in suggestion.shared and "高速" not in suggestion.shared


def test_negotiable_price_is_not_penalised(orgs):
    lab_km, lab_cd, buyer = orgs
    need = _need(buyer)
    priced = _result(lab_km, "晚疫病监测预警系统", "晚疫病;监测预警", "晚疫病预警。", price=60)
    negotiable = _result(lab_km, "晚疫病监测预警平台", "晚疫病;监测预警", "晚疫病预警。", price=None)
    db.session.commit()
    by_id = _by_id(engine.suggest_results(need, 10))
    assert by_id[negotiable.id].score == by_id[priced.id].score
    assert "报价或预算面议，价格不计分" in by_id[negotiable.id].reasons
    assert "price" not in by_id[negotiable.id].points


def test_far_under_budget_is_a_weaker_fit_than_within_budget(orgs):
    lab_km, lab_cd, buyer = orgs
    need = _need(buyer)
    fair = _result(lab_km, "晚疫病监测预警系统", "晚疫病;监测预警", "晚疫病预警。", price=60)
    cheap = _result(lab_km, "晚疫病监测预警平台", "晚疫病;监测预警", "晚疫病预警。", price=5)
    db.session.commit()
    by_id = _by_id(engine.suggest_results(need, 10))
    assert by_id[cheap.id].factors["price"] == 0.7 and by_id[fair.id].factors["price"] == 1.0
    assert by_id[cheap.id].score < by_id[fair.id].score
    assert any("远低于预算" in r for r in by_id[cheap.id].reasons)


def test_the_limit_is_honoured_when_enough_listings_exist(orgs):
    lab_km, lab_cd, buyer = orgs
    need = _need(buyer)
    _result(lab_cd, "晚疫病监测预警系统", "晚疫病", "晚疫病预警。")
    for i in range(12):  # other fields, other words: still candidates for a full list
        _result(lab_cd, f"数控机床维修方案{i}", "数控机床", "机床维修。", field="先进制造", region="510100")
    db.session.commit()
    ranked = engine.suggest_results(need, 10)
    assert len(ranked) == 10 and ranked[0].shared
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)


def test_a_lower_suggestion_says_why_it_ranks_below_the_first(orgs):
    lab_km, lab_cd, buyer = orgs
    need = _need(buyer, keywords="晚疫病;预警")
    full = _result(lab_km, "马铃薯晚疫病监测预警系统", "晚疫病;预警", "田间监测，提前预警。")
    partial = _result(lab_cd, "晚疫病抗病品种选育", "晚疫病;抗病品种", "抗病育种。")
    db.session.commit()
    ranked = engine.suggest_results(need, 5)
    assert ranked[0].listing.id == full.id
    lower = _by_id(ranked)[partial.id]
    why = lower.reasons[-1]
    assert why.startswith(f"比第 1 名低 {round(ranked[0].score - lower.score, 1)} 分") and "预警" in why
    assert not any(reason.startswith("比第 1 名低") for reason in ranked[0].reasons)


def test_place_names_without_their_suffix_are_not_subject_words(ctx):
    assert {"昆明", "文山", "红河", "西双版纳"} <= terms.places()
    assert "普洱" not in terms.places()  # 普洱茶 is a subject
    units = [unit for unit, _w, _s in terms.listing_units([], "昆明文山一带三七种植", "")]
    assert "三七" in units and "昆明" not in units and "文山" not in units
