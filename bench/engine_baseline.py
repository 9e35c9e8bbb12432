"""The matching engine as it was before the relevance-first scoring (frozen for bench/matching_quality.py): rank published results for a need, or open needs for a result.

The score (0–100) is a weighted mean of five factors, each between 0 and 1:
text relevance from the search index, same 技术领域, region proximity (same city >
same province > elsewhere), maturity fit and price-vs-budget fit. Weights come from
the MATCH_WEIGHTS setting. Every suggestion carries human-readable reasons.
"""
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

import search_index
from bench import candidates_baseline
from search_index import indexer
from models import ListingStatus, TechNeed, TechResult, db

DEFAULT_WEIGHTS = {"text": 0.45, "field": 0.15, "region": 0.15, "maturity": 0.10, "price": 0.15}
TEXT_CANDIDATES = 200
MAX_LIMIT = 50
# Co-development welcomes early-stage results; buying outright wants proven ones.
DEVELOPMENT_MODES = ("合作开发", "委托开发")
MATURITY_FIT = {
    "develop": {"研发": 0.7, "小试": 0.9, "中试": 1.0, "产业化": 0.9},
    "adopt": {"研发": 0.2, "小试": 0.5, "中试": 0.8, "产业化": 1.0},
}
MAX_REASON_WORDS = 4


@dataclass
class Suggestion:
    """One ranked counterpart listing with its score (0–100) and reasons."""

    listing: object
    score: float
    reasons: list[str] = field(default_factory=list)
    factors: dict = field(default_factory=dict)


def weights() -> dict[str, float]:
    """The factor weights of that engine (its defaults then; the setting now holds the new engine's)."""
    configured = {}
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


def price_fit(price_fen: int | None, budget_fen: int | None) -> float:
    """1 when the price is within budget, 0.5 up to 1.5× or when either is 面议, else 0."""
    if price_fen is None or budget_fen is None:
        return 0.5
    if price_fen <= budget_fen:
        return 1.0
    return 0.5 if price_fen * 2 <= budget_fen * 3 else 0.0


def _combine(factors: dict, w: dict) -> float:
    total = sum(w.values()) or 1.0
    return round(100.0 * sum(w[k] * factors[k] for k in w) / total, 1)


def _facet_factors(cand, source, kind: str) -> dict:
    """Factor values from what the index knows about the candidate (no database)."""
    if kind == "result":  # `source` is a need, the candidate a result
        maturity = maturity_fit(cand.maturity, source.cooperation_mode_list)
        budget_fit = price_fit(cand.price_fen, source.budget_fen)
    else:  # `source` is a result, the candidate a need
        maturity = maturity_fit(source.maturity, list(cand.modes))
        budget_fit = price_fit(source.price_fen, cand.price_fen)
    # Square root: sharing the key words matters more than covering every word of the description.
    return {"text": min(1.0, cand.text) ** 0.5, "field": 1.0 if cand.field == source.field else 0.0,
            "region": region_fit(cand.city, source.region_code), "maturity": maturity, "price": budget_fit}


def reasons_for(need: TechNeed, result: TechResult, factors: dict, shared_words: list[str]) -> list[str]:
    """Human-readable reasons, strongest first."""
    reasons = []
    if factors["field"]:
        reasons.append(f"同属{result.field}")
    if shared_words:
        reasons.append("关键词: " + ", ".join(shared_words[:MAX_REASON_WORDS]))
    region = result.region  # loaded with the result: names the city and its province without a query
    if need.region_code == result.region_code:
        reasons.append(f"同在{region.name if region else result.region_code}")
    elif need.region_code[:2] == result.region_code[:2]:
        reasons.append(f"同在{region.province if region else result.region_code[:2] + '0000'}")
    if factors["maturity"] >= 0.8:
        reasons.append(f"成熟度（{result.maturity}）符合需求")
    if result.price_fen is not None and need.budget_fen is not None:
        if result.price_fen <= need.budget_fen:
            reasons.append("报价在预算内")
        elif factors["price"] > 0:
            reasons.append("报价略高于预算")
    return reasons


def _rank(source, kind: str, limit: int) -> list[Suggestion]:
    limit = max(1, min(int(limit), MAX_LIMIT))
    app = current_app._get_current_object()
    search_index.catch_up(app)
    found = candidates_baseline.gather(indexer.index_dir(app), kind, source, TEXT_CANDIDATES)
    if not found:
        return []
    w = weights()
    scored = []
    for cand in found:
        factors = _facet_factors(cand, source, kind)
        scored.append((_combine(factors, w), factors, cand))
    scored.sort(key=lambda item: (-item[0], -item[2].listing_id))
    return _reread(source, kind, scored, limit)


def _reread(source, kind: str, scored, limit: int) -> list[Suggestion]:
    """The best candidates from the database, still published (and open), not the source's own."""
    model = TechResult if kind == "result" else TechNeed
    suggestions = []
    step = limit + 10  # usually one query; more when the source's own listings crowd the top
    for start in range(0, len(scored), step):
        window = scored[start:start + step]
        rows = db.session.scalars(select(model).where(model.id.in_([c.listing_id for _, _, c in window]),
                                                      model.status == ListingStatus.PUBLISHED))
        by_id = {row.id: row for row in rows}
        for score, factors, cand in window:
            listing = by_id.get(cand.listing_id)
            if listing is None or listing.organisation_id == source.organisation_id:
                continue
            if kind == "need" and listing.is_expired:
                continue
            need, result = (source, listing) if kind == "result" else (listing, source)
            suggestions.append(Suggestion(listing, score, reasons_for(need, result, factors, cand.units), factors))
            if len(suggestions) == limit:
                return suggestions
    return suggestions


def suggest_results(need: TechNeed, limit: int = 10) -> list[Suggestion]:
    """Published results for a need, best first."""
    return _rank(need, "result", limit)


def suggest_needs(result: TechResult, limit: int = 10) -> list[Suggestion]:
    """Open (published, not expired) needs for a result, best first."""
    return _rank(result, "need", limit)


def describe(suggestion: Suggestion) -> dict:
    """The API form of a suggestion for a need."""
    return {"result_id": suggestion.listing.id, "title": suggestion.listing.title, "score": suggestion.score,
            "reasons": suggestion.reasons}

