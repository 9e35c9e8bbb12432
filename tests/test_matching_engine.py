"""Matching engine: pinned rankings on a small hand-made corpus, reasons, weights, exclusions, relevance first."""
from datetime import date, timedelta

import pytest

from marketplace.matching import engine
from models import ListingStatus, db
from tests import factories as f

WAN = 1_000_000


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_CATCH_UP_SECONDS": 0, "SEARCH_DICT_FILE": str(tmp_path / "dict" / "search_dict.txt")}


@pytest.fixture
def corpus(ctx):
    """One need in Kunming and results that differ in one factor at a time."""
    lab_km = f.make_org(name="昆明催化研究所", region_code="530100")
    lab_cd = f.make_org(name="成都新材料研究院", region_code="510100")
    lab_qj = f.make_org(name="曲靖电池研究所", region_code="530300")
    buyer = f.make_org(name="昆明氢能汽车有限公司", org_type="企业", region_code="530100")
    need = f.make_need(buyer, title="燃料电池铂基催化剂技术需求", field="新材料及其应用",
                       keywords="燃料电池;铂基催化剂", description="寻求低铂载量燃料电池催化剂，功率密度不低于 1 W/cm²。",
                       budget_fen=600 * WAN, region_code="530100", cooperation_modes="技术转让")
    rows = {  # key: (org, title, keywords, field, maturity, price in 万元, region, summary)
        "best": (lab_km, "高性能燃料电池铂基催化剂关键技术", "燃料电池;铂基催化剂", "新材料及其应用", "产业化", 500,
                 "530100", "低铂载量，功率密度 1.2 W/cm²。"),
        "far_dear": (lab_cd, "燃料电池铂基催化剂制备工艺", "燃料电池;铂基催化剂", "新材料及其应用", "产业化", 2000,
                     "510100", "成熟的批量工艺。"),
        "province": (lab_qj, "燃料电池铂基催化剂批量制备", "燃料电池;铂基催化剂", "新材料及其应用", "产业化", 500,
                     "530300", "年产 1 吨。"),
        "other_field": (lab_km, "燃料电池电堆测试平台", "燃料电池;电堆", "新能源与高效节能", "中试", None, "530100",
                        "电堆性能测试。"),
        "field_only": (lab_km, "高镍三元正极材料", "正极材料;高镍", "新材料及其应用", "中试", 300, "530100",
                       "循环寿命 2000 次。"),
        "unrelated": (lab_cd, "茶叶自动化加工设备", "茶叶;加工设备", "农业", "产业化", 50, "510100", "名优茶加工。"),
        "own": (buyer, "燃料电池铂基催化剂回收技术", "燃料电池;铂基催化剂", "新材料及其应用", "产业化", 100, "530100",
                "回收率 98%。"),
    }
    results = {
        key: f.make_result(org, title=title, keywords=keywords, field=field, maturity=maturity,
                           price_fen=price * WAN if price else None, region_code=region, summary=summary)
        for key, (org, title, keywords, field, maturity, price, region, summary) in rows.items()
    }
    results["draft"] = f.make_result(lab_km, title="燃料电池铂基催化剂新配方", keywords="燃料电池;铂基催化剂",
                                     field="新材料及其应用", summary="新配方。", status=ListingStatus.DRAFT)
    db.session.commit()
    return need, results


def _ids(suggestions):
    return [s.listing.id for s in suggestions]


def test_ranking_for_a_need_is_pinned(corpus):
    need, r = corpus
    ranked = engine.suggest_results(need, 10)
    # Shared subject words first (other_field shares 燃料电池), then the rest below the relevance band.
    assert _ids(ranked) == [r[k].id for k in ("best", "province", "far_dear", "other_field", "field_only",
                                               "unrelated")]
    scores = [s.score for s in ranked]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] < scores[0] <= 100
    assert all(s.score >= engine.ZERO_BAND for s in ranked[:4]) and all(s.score <= engine.ZERO_BAND
                                                                         for s in ranked[4:])


def test_reasons_explain_the_score(corpus):
    need, r = corpus
    best, province, far = engine.suggest_results(need, 3)
    assert best.reasons[0].startswith("关键词: ") and "燃料电池" in best.reasons[0] and "铂基催化剂" in best.reasons[0]
    assert f"（文本相关 +{best.points['text']:.1f} 分）" in best.reasons[0]
    assert f"同属新材料及其应用（+{best.points['field']:.1f} 分）" in best.reasons
    assert f"同在昆明市（+{best.points['region']:.1f} 分）" in best.reasons
    assert "报价 500 万元在预算内（预算 600 万元，" in " ".join(best.reasons)
    assert any(r.startswith("同在云南省（+") for r in province.reasons)
    assert not any(r.startswith("同在昆明市") for r in province.reasons)
    assert not any(reason.startswith("同在") for reason in far.reasons)
    assert "略高于预算" not in " ".join(far.reasons) and "在预算内" not in " ".join(far.reasons)
    # The points add up to the score.
    for s in (best, province, far):
        assert abs(sum(s.points.values()) - s.score) < 0.3


def test_own_and_unpublished_results_are_never_suggested_unrelated_ones_last(corpus):
    need, r = corpus
    ranked = engine.suggest_results(need, 50)
    ids = _ids(ranked)
    assert r["own"].id not in ids and r["draft"].id not in ids
    assert ids[-1] == r["unrelated"].id and ranked[-1].score <= engine.ZERO_BAND
    assert ranked[-1].reasons[0].startswith("无共同主题词")


def test_limit_is_respected_and_best_first(corpus):
    need, r = corpus
    assert _ids(engine.suggest_results(need, 2)) == [r["best"].id, r["province"].id]


def test_weights_come_from_config(app, corpus):
    need, r = corpus
    app.config["MATCH_WEIGHTS"] = {"text": 0, "field": 0, "region": 1, "maturity": 0, "price": 0}
    ranked = engine.suggest_results(need, 10)
    # Only the region adjusts now, within each band: Kunming beats Qujing, which beats Chengdu.
    by_id = {s.listing.id: s for s in ranked}
    best, province, far = by_id[r["best"].id], by_id[r["province"].id], by_id[r["far_dear"].id]
    assert best.points["region"] > province.points["region"] > far.points["region"] == 0
    assert by_id[r["field_only"].id].score == engine.ZERO_BAND  # no shared word: region alone, below the band
    assert best.score > province.score > far.score
    assert best.points["field"] == best.points["maturity"] == best.points["price"] == 0


def test_open_needs_for_a_result(corpus):
    need, r = corpus
    buyer_cd = f.make_org(name="成都氢能科技", org_type="企业", region_code="510100")
    far_need = f.make_need(buyer_cd, title="燃料电池催化剂合作开发", field="新材料及其应用",
                           keywords="燃料电池;催化剂", budget_fen=100 * WAN, region_code="510100")
    expired = f.make_need(buyer_cd, title="燃料电池铂基催化剂紧急需求", field="新材料及其应用",
                          keywords="燃料电池;铂基催化剂", region_code="530100",
                          deadline=date.today() - timedelta(days=1))
    db.session.commit()
    ranked = engine.suggest_needs(r["best"], 10)
    assert _ids(ranked)[:2] == [need.id, far_need.id]
    assert expired.id not in _ids(ranked)
    assert any(reason.startswith("报价 500 万元在预算内") for reason in ranked[0].reasons)


def test_listings_withdrawn_after_indexing_are_dropped(corpus):
    need, r = corpus
    r["best"].status = ListingStatus.WITHDRAWN  # no outbox entry: the index still holds it
    db.session.commit()
    assert r["best"].id not in _ids(engine.suggest_results(need, 10))
    assert _ids(engine.suggest_results(need, 1)) == [r["province"].id]


@pytest.mark.parametrize("maturity,modes,expected", [
    ("产业化", ["技术转让"], 1.0), ("研发", ["技术转让"], 0.2), ("中试", ["合作开发"], 1.0), ("研发", ["委托开发"], 0.7),
])
def test_maturity_fit(maturity, modes, expected):
    assert engine.maturity_fit(maturity, modes) == expected


@pytest.mark.parametrize("price,budget,expected", [
    (100, 100, 1.0), (25, 100, 1.0), (5, 80, 0.7), (0, 100, 0.6), (150, 100, 0.4), (125, 100, 0.7),
    (250, 100, 0.0), (None, 100, None), (100, None, None),
])
def test_price_fit(price, budget, expected):
    assert engine.price_fit(price, budget) == expected


def test_region_fit():
    assert engine.region_fit("530100", "530100") == 1.0
    assert engine.region_fit("530300", "530100") == 0.6
    assert engine.region_fit("510100", "530100") == 0.0
