"""JSON statistics: regions, breakdown and bulletin (public; money as yuan decimal strings)."""
from datetime import date

from flask import jsonify

from marketplace import page_cache
from marketplace.api import bp
from marketplace.api.inputs import read_args, text_param
from marketplace.api.payload import rule_conflict
from marketplace.http_cache import conditional, stats_fingerprint
from marketplace.money import yuan_str
from marketplace.patterns import date_pattern
from marketplace.stats import services
from marketplace.stats.bulletin import bulletin_text
from marketplace.stats.periods import EARLIEST_YEAR, LATEST_YEAR, StatsError, parse_date, period_from_dates
from models.stats import SIDES

DIMENSIONS = list(services.DIMENSIONS)
PAID_DIMS = ["region", *services.PAID_DIMENSIONS]
_DATES = date_pattern(date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR, 12, 31))


def period_params(dated_by: str) -> list:
    """from, to and by, the period's dates being `dated_by` (登记日期, 到账日期)."""
    return [text_param("from", f"起始日期 YYYY-MM-DD（{dated_by}，{EARLIEST_YEAR}–{LATEST_YEAR} 年）；默认为截止日期所在年的 1 月 1 日",
                       pattern=_DATES, code="bad_date", explain=lambda value: parse_date(value, "from（起始日期）")),
            text_param("to", f"截止日期 YYYY-MM-DD（{dated_by}）；默认为今天；不早于起始日期（否则 409）", pattern=_DATES,
                       code="bad_date", explain=lambda value: parse_date(value, "to（截止日期）")),
            text_param("by", "seller：技术输出（卖方所在地，默认）；buyer：技术吸纳", enum=list(SIDES), code="bad_side",
                       explain=services.check_side)]


PERIOD = period_params("登记日期")
REGION = text_param("region", "地区代码（默认或 000000 为全国）", region=True, national=True, code="bad_region",
                    explain=services.find_region)
PARAMS = {
    "regions": [text_param("parent", "上级地区代码（默认或 000000 为全国，即各省）", region=True, national=True,
                           code="bad_region", explain=services.find_region), *PERIOD],
    "breakdown": [REGION, text_param("dim", "分类维度（默认 type）", enum=DIMENSIONS, code="bad_dim",
                                     message=f"dim 参数应为 {'、'.join(DIMENSIONS)} 之一。"), *PERIOD],
    "bulletin": [REGION, *PERIOD],
    "paid": [REGION, text_param("dim", "分类维度：region（下级地区，默认）、type（合同类型）、field（技术领域）",
                                enum=PAID_DIMS, code="bad_dim", message=f"dim 参数应为 {'、'.join(PAID_DIMS)} 之一。"),
             *period_params("到账日期")],
}


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


def _read(name: str):
    """The call's parameters (400 for a value the document refuses) and its period (409 when from > to)."""
    values = read_args(PARAMS[name])
    try:
        period = period_from_dates(*(date.fromisoformat(values[key]) if values[key] else None for key in ("from", "to")))
    except StatsError as exc:
        raise rule_conflict({"from": [exc.message]}, exc.message) from None
    return values, period, values["by"] or "seller"


def _period_json(period) -> dict:
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "label": period.label}


@bp.route("/stats/regions")
@conditional(stats_fingerprint)
@page_cache.public("stats")
def stats_regions():
    """Figures and ranks for the regions directly under `parent` (default: the provinces)."""
    values, period, side = _read("regions")
    parent = services.find_region(values["parent"])
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
    values, period, side = _read("breakdown")
    region, dim = services.find_region(values["region"]), values["dim"] or "type"
    rows = services.breakdown(region, period, dim, side)
    return jsonify({"region": region.code if region else None, "dim": dim, "by": side,
                    "period": _period_json(period),
                    "items": [{"category": name, **figures_json(figures)} for name, figures in rows]})


@bp.route("/stats/bulletin")
@conditional(stats_fingerprint)
@page_cache.public("stats")
def stats_bulletin():
    """The bulletin sentence for a region and period."""
    values, period, side = _read("bulletin")
    region = services.find_region(values["region"])
    return jsonify({"region": region.code if region else None, "period": _period_json(period),
                    "text": bulletin_text(region, period, side)})


def paid_json(paid: services.Paid) -> dict:
    return {"payments": paid.payments, "paid_amount": yuan_str(paid.paid_fen)}


@bp.route("/stats/paid")
@conditional(stats_fingerprint)
@page_cache.public("stats")
def stats_paid():
    """到账金额: payments recorded against registered contracts, dated by the payment, per region under `region`
    or per type or field of one region; the total with the same period a year earlier."""
    values, period, side = _read("paid")
    region, dim = services.find_region(values["region"]), values["dim"] or "region"
    if dim == "region":
        rows, total = services.paid_by_region(region, period, side)
    else:
        rows = services.paid_breakdown(region, period, dim, side)
        total = services.Paid()
        for _name, paid in rows:
            total.add(paid)
    previous = services.paid_figures(region, period, side)[1]
    return jsonify({"region": region.code if region else None, "dim": dim, "by": side, "period": _period_json(period),
                    "items": [{"name": name, **paid_json(paid)} for name, paid in rows],
                    "total": {**paid_json(total), "previous": paid_json(previous),
                              "yoy_paid_amount": services.yoy(total.paid_fen, previous.paid_fen)}})
