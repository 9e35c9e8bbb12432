"""Statistics pages: the public page, the officials' dashboard and the table exports."""
from flask import Response, abort, render_template, request
from flask_login import current_user

from marketplace import page_cache
from marketplace.http_cache import conditional, stats_fingerprint
from marketplace.permissions import can_see_parties, has, permission_required, region_scope_prefix
from marketplace.regions import RegionRow, all_regions
from marketplace.contracts.year_close import frozen_for
from marketplace.stats import bp, changes, exports, report, services
from marketplace.stats.bulletin import bulletin_text
from marketplace.stats.periods import KINDS, StatsError, period_from_args
from models import Region

CHARTS = (("monthly", "line", "月度走势（合同成交额，万元）"), ("type", "bar", "按合同类别（合同成交额，万元）"),
          ("field", "bar", "按技术领域（合同成交额，万元）"), ("regions", "bar", "地区排名（合同成交额，万元）"))
DASHBOARD_TABLES = ("regions", "monthly", "type", "field", "seller_type", "buyer_type", "ip", "paid_regions", "paid_type",
                    "paid_field", *report.PRIVATE_TABLES)


def _home_region_code() -> str:
    """An official starts at the bureau's own region, everyone else at the whole country."""
    if has(current_user, "scope.region") and current_user.organisation:
        return current_user.organisation.region_code
    return ""


def _selection():
    """(region, period, side, error message) from the query string; bad input falls back to the defaults."""
    try:
        region = services.find_region(request.args.get("region", _home_region_code()))
        return region, period_from_args(request.args), services.check_side(request.args.get("by")), None
    except StatsError as exc:
        return services.find_region(_home_region_code()), period_from_args({}), "seller", exc.message


def _region_choices(region: Region | None, prefix: str = "") -> list[tuple[RegionRow, bool, list[RegionRow]]]:
    """(province, selectable, its cities listed) for the selector, limited to codes starting with `prefix`.

    Cities are listed for an official's own scope, else for the chosen region's province only.
    """
    shown = prefix or (region.province_code if region is not None else None)
    by_province: dict[str, list[RegionRow]] = {}
    for city in all_regions():
        if not city.is_province and shown and city.code.startswith(prefix) and city.code.startswith(shown[:2]):
            by_province.setdefault(city.province_code, []).append(city)
    return [(p, p.code.startswith(prefix), by_province.get(p.code, [])) for p in services.children(None)
            if p.code.startswith(prefix) or by_province.get(p.code)]


def _page(template: str, keys):
    region, period, side, error = _selection()
    dashboard = template == "stats/dashboard.html"
    if dashboard and not can_see_parties(current_user, region):
        abort(403)
    prefix = (region_scope_prefix(current_user) or "") if dashboard else ""
    tables = {key: report.build(key, region, period, side) for key in keys}
    current, previous = services.region_figures(region, period, side)
    paid, paid_before = services.paid_figures(region, period, side)
    charts = [{"key": k, "kind": kind, "title": title, **tables[k].chart()} for k, kind, title in CHARTS]
    html = render_template(
        template, region=region, period=period, side=side, error=error, tables=tables, charts=charts,
        current=current, previous=previous, paid=paid, paid_before=paid_before, yoy=services.yoy, bulletin=bulletin_text(region, period, side),
        display=report.display, region_choices=_region_choices(region, prefix), national_choice=prefix == "",
        kinds=KINDS, side_labels=services.SIDE_LABELS, query=request.args.to_dict(),
        amended=changes.amended(region, period), cancelled=changes.cancelled(region, period),
        signed_wan=changes.signed_wan, frozen=frozen_for(region.code if region else None, period.start, period.end))
    return html, (400 if error else 200)


@bp.route("/")
@conditional(stats_fingerprint)
@page_cache.public("stats")
def public():
    """Public statistics: figures, 同比, ranks, breakdowns and charts (no party names)."""
    return _page("stats/public.html", report.PUBLIC_TABLES)


@bp.route("/dashboard")
@permission_required("stats.dashboard")
def dashboard():
    """Officials' dashboard: everything on the public page plus top sellers, buyers and brokers."""
    return _page("stats/dashboard.html", DASHBOARD_TABLES)


@bp.route("/export/<key>.<fmt>")
def export(key, fmt):
    """Download one table as CSV or XLSX (party-level tables for officials of the region only)."""
    if key not in report.TABLE_TITLES or fmt not in ("csv", "xlsx"):
        abort(404)
    region, period, side, error = _selection()
    if error:
        abort(400, description=error)
    if key in report.PRIVATE_TABLES and not can_see_parties(current_user, region):
        abort(403)
    table = report.build(key, region, period, side)
    name = region.full_name if region else "全国"
    heading = f"{name} {period.title} {table.title} · {services.SIDE_LABELS[side]}"
    body = exports.to_csv(table, heading) if fmt == "csv" else exports.to_xlsx(table, heading)
    filename = f"stats-{key}-{region.code if region else '000000'}-{period.start}-{period.end}.{fmt}"
    return Response(body, mimetype=exports.CSV_TYPE if fmt == "csv" else exports.XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
