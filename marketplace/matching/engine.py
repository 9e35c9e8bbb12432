"""The matching engine: rank published results for a need, or open needs for a result.

Text relevance dominates. A candidate sharing subject words with the source scores in the
relevance band 5–100: 5 + 95 × r × (1 − α + α × F), where r is the idf-weighted share of the
source's subject words it holds (square root, from the search index), F the weighted mean of
field, region, maturity and price fit, and α the share of the non-text weights in MATCH_WEIGHTS
(0.3 by default): the other factors move a score by at most α of its relevance. A candidate
sharing no subject word scores at most 5 (5 × F): it fills a short list, never outranks real
overlap. A price or budget of 面议 leaves the price factor out (neutral). Every suggestion
carries reasons naming the shared words and each factor's points.
"""
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

import search_index
from marketplace import thesaurus
from marketplace.matching import terms
from models import ListingStatus, TechNeed, TechResult, db

DEFAULT_WEIGHTS = {"text": 0.70, "field": 0.08, "region": 0.08, "maturity": 0.06, "price": 0.08}
FACTORS = ("field", "region", "maturity", "price")
NEIGHBOUR_FIELD_FIT = 0.5  # a result one field over (电子信息 for a 新能源 need about fault detection)
ZERO_BAND = 5.0  # the most a suggestion without shared subject words can score
TEXT_CANDIDATES = 200
MAX_LIMIT = 50
# Co-development welcomes early-stage results; buying outright wants proven ones.
DEVELOPMENT_MODES = ("合作开发", "委托开发")
MATURITY_FIT = {
    "develop": {"研发": 0.7, "小试": 0.9, "中试": 1.0, "产业化": 0.9},
    "adopt": {"研发": 0.2, "小试": 0.5, "中试": 0.8, "产业化": 1.0},
}
# Far under budget is a weaker fit, not a knockout: a 5 万元 result seldom does what an 80 万元 need asks.
FULL_FIT_SHARE = 0.25
MAX_REASON_WORDS = 5


@dataclass
class Suggestion:
    """One ranked counterpart listing with its score (0–100), reasons and the points of each factor."""

    listing: object
    score: float
    reasons: list[str] = field(default_factory=list)
    factors: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)
    shared: list = field(default_factory=list)


def weights() -> dict[str, float]:
    """The configured factor weights (defaults for anything missing or invalid)."""
    configured = current_app.config.get("MATCH_WEIGHTS") or {}
    result = {}
    for name, default in DEFAULT_WEIGHTS.items():
        value = configured.get(name, default)
        result[name] = float(value) if isinstance(value, (int, float)) and value >= 0 else default
    return result


def region_fit(city_a: str, city_b: str) -> float:
    """1 for the same city, 0.6 for the same province, else 0."""
    if city_a == city_b:
        return 1.0
    return 0.6 if city_a[:2] == city_b[:2] else 0.0


def maturity_fit(maturity: str, cooperation_modes: list[str]) -> float:
    """How well a result's maturity suits what the need wants to do with it."""
    wants = "develop" if any(m in DEVELOPMENT_MODES for m in cooperation_modes) else "adopt"
    return MATURITY_FIT[wants].get(maturity, 0.5)


def price_fit(price_fen: int | None, budget_fen: int | None) -> float | None:
    """Price against budget: 1 from a quarter of the budget up to it, less far under or over; None for 面议."""
    if price_fen is None or budget_fen is None:
        return None
    if budget_fen <= 0:
        return 1.0 if price_fen <= 0 else 0.0
    ratio = price_fen / budget_fen
    if ratio <= FULL_FIT_SHARE:
        return round(0.6 + 0.4 * ratio / FULL_FIT_SHARE, 3)
    if ratio <= 1:
        return 1.0
    if ratio <= 1.5:
        return round(1.0 - 1.2 * (ratio - 1), 3)
    return round(max(0.0, 0.4 - 0.4 * (ratio - 1.5)), 3)


def score_parts(factors: dict, w: dict) -> tuple[float, dict]:
    """The score (0–100) and the points each part contributes (text, field, region, maturity, price)."""
    counted = [k for k in FACTORS if factors[k] is not None]
    other = sum(w[k] for k in counted)
    alpha = other / ((w["text"] + other) or 1.0)
    r = factors["text"]
    if r > 0:
        span = (100.0 - ZERO_BAND) * r
        points = {"text": ZERO_BAND + span * (1 - alpha)}
        points.update({k: span * alpha * w[k] / other * factors[k] for k in counted} if other else {})
    else:
        points = {"text": 0.0}
        points.update({k: ZERO_BAND * w[k] / other * factors[k] for k in counted} if other else {})
    return sum(points.values()), points


def _facet_factors(cand, source, kind: str, words) -> dict:
    """Factor values from what the index knows about the candidate (no database)."""
    if kind == "result":  # `source` is a need, the candidate a result
        maturity = maturity_fit(cand.maturity, source.cooperation_mode_list)
        budget_fit = price_fit(cand.price_fen, source.budget_fen)
    else:  # `source` is a result, the candidate a need
        maturity = maturity_fit(source.maturity, list(cand.modes))
        budget_fit = price_fit(source.price_fen, cand.price_fen)
    # Square root: sharing the key words matters more than covering every word of the description.
    text = min(1.0, cand.text) ** 0.5 if cand.units else 0.0
    return {"text": text, "field": field_fit(cand.field, source.field, words),
            "region": region_fit(cand.city, source.region_code), "maturity": maturity, "price": budget_fit}


def field_fit(field_a: str, field_b: str, words=None) -> float:
    """1 for the same 技术领域, NEIGHBOUR_FIELD_FIT for neighbouring ones (the thesaurus says which), else 0."""
    if field_a == field_b:
        return 1.0
    words = words or thesaurus.current()[1]
    return NEIGHBOUR_FIELD_FIT if words.are_neighbours(field_a, field_b) else 0.0


def _pts(value: float) -> str:
    return f"+{value:.1f} 分"


def _wan(fen: int) -> str:
    return f"{fen / 1_000_000:g} 万元"


def reasons_for(need: TechNeed, result: TechResult, factors: dict, points: dict, shared: list[str]) -> list[str]:
    """Human-readable reasons: the shared subject words, then each factor with its points."""
    if shared:
        reasons = [f"关键词: {', '.join(shared[:MAX_REASON_WORDS])}（文本相关 {_pts(points['text'])}）"]
    else:
        reasons = ["无共同主题词，仅凭领域、地区等排在有共同主题词的之后"]
    if factors["field"] == 1.0:
        reasons.append(f"同属{result.field}（{_pts(points['field'])}）")
    elif factors["field"]:
        reasons.append(f"相邻领域：{result.field}的成果常用于{need.field}（{_pts(points['field'])}）")
    region = result.region  # loaded with the result: names the city and its province without a query
    if need.region_code == result.region_code:
        reasons.append(f"同在{region.name if region else result.region_code}（{_pts(points['region'])}）")
    elif need.region_code[:2] == result.region_code[:2]:
        where = region.province if region else result.region_code[:2] + "0000"
        reasons.append(f"同在{where}（{_pts(points['region'])}）")
    if factors["maturity"] >= 0.8:
        reasons.append(f"成熟度（{result.maturity}）符合需求（{_pts(points['maturity'])}）")
    if factors["price"] is None:
        reasons.append("报价或预算面议，价格不计分")
    elif result.price_fen <= need.budget_fen:
        fits = "远低于预算" if factors["price"] < 1 else "在预算内"
        reasons.append(f"报价 {_wan(result.price_fen)}{fits}（预算 {_wan(need.budget_fen)}，{_pts(points['price'])}）")
    elif factors["price"] > 0:
        reasons.append(f"报价 {_wan(result.price_fen)}略高于预算 {_wan(need.budget_fen)}（{_pts(points['price'])}）")
    return reasons


def _rank(source, kind: str, limit: int) -> list[Suggestion]:
    limit = max(1, min(int(limit), MAX_LIMIT))
    found = search_index.similar(source, kind, terms.of(source), TEXT_CANDIDATES)
    if not found:
        return []
    w, words = weights(), thesaurus.current()[1]
    scored = []
    for cand in found:
        factors = _facet_factors(cand, source, kind, words)
        score, points = score_parts(factors, w)
        scored.append((score, factors, points, cand))
    scored.sort(key=lambda item: (-item[0], -item[3].listing_id))
    return _reread(source, kind, scored, limit)


def _reread(source, kind: str, scored, limit: int) -> list[Suggestion]:
    """The best candidates from the database, still published (and open), not the source's own."""
    model = TechResult if kind == "result" else TechNeed
    suggestions = []
    step = limit + 10  # usually one query; more when the source's own listings crowd the top
    for start in range(0, len(scored), step):
        window = scored[start:start + step]
        rows = db.session.scalars(select(model).where(model.id.in_([c.listing_id for *_, c in window]),
                                                      model.status == ListingStatus.PUBLISHED))
        by_id = {row.id: row for row in rows}
        for score, factors, points, cand in window:
            listing = by_id.get(cand.listing_id)
            if listing is None or listing.organisation_id == source.organisation_id:
                continue
            if kind == "need" and listing.is_expired:
                continue
            need, result = (source, listing) if kind == "result" else (listing, source)
            reasons = reasons_for(need, result, factors, points, cand.units)
            suggestions.append(Suggestion(listing, round(score, 1), reasons, factors,
                                          {k: round(v, 1) for k, v in points.items()}, list(cand.units)))
            if len(suggestions) == limit:
                return suggestions
    return suggestions


PART_LABELS = {"text": "文本相关", "field": "领域", "region": "地区", "maturity": "成熟度", "price": "价格"}


def explain_order(suggestions: list[Suggestion]) -> list[Suggestion]:
    """Below the first: why it ranks lower — the subject words it lacks, or the factor where it lost most."""
    if not suggestions:
        return suggestions
    top = suggestions[0]
    for suggestion in suggestions[1:]:
        gap = round(top.score - suggestion.score, 1)
        if not suggestion.shared or gap <= 0:
            continue  # zero overlap says so already; a tie needs no excuse
        missing = [word for word in top.shared if word not in suggestion.shared]
        if missing:
            why = f"缺少第 1 名与对方共有的主题词：{'、'.join(missing[:MAX_REASON_WORDS])}"
        else:
            lost = max(top.points, key=lambda k: top.points[k] - suggestion.points.get(k, 0.0))
            why = f"共同主题词不少于第 1 名，但{PART_LABELS[lost]}得分低 " \
                  f"{top.points[lost] - suggestion.points.get(lost, 0.0):.1f} 分"
        suggestion.reasons.append(f"比第 1 名低 {gap} 分：{why}")
    return suggestions


def suggest_results(need: TechNeed, limit: int = 10) -> list[Suggestion]:
    """Published results for a need, best first."""
    return explain_order(_rank(need, "result", limit))


def suggest_needs(result: TechResult, limit: int = 10) -> list[Suggestion]:
    """Open (published, not expired) needs for a result, best first."""
    return explain_order(_rank(result, "need", limit))


def describe(suggestion: Suggestion) -> dict:
    """The API form of a suggestion for a need."""
    return {"result_id": suggestion.listing.id, "title": suggestion.listing.title, "score": suggestion.score,
            "reasons": suggestion.reasons}
