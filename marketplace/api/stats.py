"""JSON statistics: regions, breakdown and bulletin (public; money as yuan decimal strings)."""
from flask import jsonify, request

from marketplace import page_cache
from marketplace.api import bp
from marketplace.http_cache import conditional, stats_fingerprint
from marketplace.money import yuan_str
from marketplace.stats import services
from marketplace.stats.bulletin import bulletin_text
from marketplace.stats.periods import parse_date, period_from_dates


def figures_json(figures: services.Figures, previous: services.Figures | None = None) -> dict:
    """Counts and amounts; with `previous`, also last year's figures and 同比."""
    body = {"contracts": figures.contracts, "contract_amount": yuan_str(figures.contract_fen),
            "tech_amount": yuan_str(figures.tech_fen)}
    if previous is not None:
        body["previous"] = {"contracts": previous.contracts, "contract_amount": yuan_str(previous.contract_fen),
                            "tech_amount": yuan_str(previous.tech_fen)}
        body["yoy_contracts"] = services.yoy(figures.contracts, previous.contracts)
        body["yoy_contract_amount"] = services.yoy(figures.contract_fen, previous.contract_fen)
        body["yoy_tech_amount"] = services.yoy(figures.tech_fen, previous.tech_fen)
    return body


def _period():
    return period_from_dates(parse_date(request.args.get("from"), "from（起始日期）"),
                             parse_date(request.args.get("to"), "to（截止日期）"))


def _period_json(period) -> dict:
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "label": period.label}


@bp.route("/stats/regions")
@conditional(stats_fingerprint)
@page_cache.public("stats")
def stats_regions():
    """Figures and ranks for the regions directly under `parent` (default: the provinces)."""
    parent = services.find_region(request.args.get("parent"))
    period, side = _period(), services.check_side(request.args.get("by"))
    table = services.region_table(parent, period, side)
    items = []
    for row in table.rows:
        item = {"code": row.code, "name": row.name, **figures_json(row.figures, row.previous),
                "rank_contracts": row.rank_contracts, "rank_contract_amount": row.rank_contract_amount}
        items.append(item)
    return jsonify({"parent": parent.code if parent else None, "by": side, "period": _period_json(period),
                    "items": items, "total": figures_json(table.total, table.total_previous)})


@bp.route("/stats/breakdown")
@conditional(stats_fingerprint)
@page_cache.public("stats")
def stats_breakdown():
    """Figures per contract type, 技术领域, seller/buyer type or IP for one region."""
    region = services.find_region(request.args.get("region"))
    dim = request.args.get("dim") or "type"
    period, side = _period(), services.check_side(request.args.get("by"))
    rows = services.breakdown(region, period, dim, side)
    return jsonify({"region": region.code if region else None, "dim": dim, "by": side,
                    "period": _period_json(period),
                    "items": [{"category": name, **figures_json(figures)} for name, figures in rows]})


@bp.route("/stats/bulletin")
@conditional(stats_fingerprint)
@page_cache.public("stats")
def stats_bulletin():
    """The bulletin sentence for a region and period."""
    region = services.find_region(request.args.get("region"))
    period, side = _period(), services.check_side(request.args.get("by"))
    return jsonify({"region": region.code if region else None, "period": _period_json(period),
                    "text": bulletin_text(region, period, side)})
