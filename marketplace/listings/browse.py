"""Browse pages: published results and needs with filters, facets and pages."""
from flask import render_template, request, url_for

from marketplace import page_cache
from marketplace.http_cache import browse_fingerprint, conditional
from marketplace.listings import bp
from marketplace.listings.browse_params import AMOUNT_PARAMS, SORTS, BrowseParams, parse_params
from marketplace.listings.browse_service import browse
from marketplace.money import wan_str
from marketplace.regions import province_names, region_choices

ENDPOINTS = {"result": "listings.browse_results", "need": "listings.browse_needs"}


def _url(kind: str, args: dict, **changes) -> str:
    """The browse URL for `args` with `changes` applied (None removes a key; page resets)."""
    merged = {k: v for k, v in {**args, **changes}.items() if v is not None and k != "page"}
    return url_for(ENDPOINTS[kind], **merged)


def filter_chips(params: BrowseParams) -> list[tuple[str, str]]:
    """(label, URL without that filter) for every active filter."""
    kind, raw = params.kind, params.raw
    chips = []
    if params.q:
        chips.append((f"关键词：{params.q}", _url(kind, raw, q=None)))
    if params.field:
        chips.append((f"领域：{params.field}", _url(kind, raw, field=None)))
    if params.region is not None:
        chips.append((f"地区：{params.region.full_name}", _url(kind, raw, region=None)))
    if params.maturity:
        chips.append((f"成熟度：{params.maturity}", _url(kind, raw, maturity=None)))
    if params.mode:
        chips.append((f"转化方式：{params.mode}", _url(kind, raw, mode=None)))
    low_name, high_name, label = AMOUNT_PARAMS[kind]
    if params.amount_min is not None:
        chips.append((f"{label} ≥ {wan_str(params.amount_min)}", _url(kind, raw, **{low_name: None})))
    if params.amount_max is not None:
        chips.append((f"{label} ≤ {wan_str(params.amount_max)}", _url(kind, raw, **{high_name: None})))
    if params.bounty:
        chips.append(("仅揭榜挂帅", _url(kind, raw, bounty=None)))
    if params.show_expired:
        chips.append(("含已过期", _url(kind, raw, expired=None)))
    return chips


def _render(kind: str, template: str):
    params = parse_params(kind, request.args)
    result = browse(kind, params)
    # The region picker lists the provinces, and the cities of the chosen region's province only.
    cities_of = params.region.province_code if params.region is not None else None
    return render_template(
        template, kind=kind, params=params, page=result, chips=filter_chips(params),
        clear_url=url_for(ENDPOINTS[kind]),
        sorts={key: label for key, label in SORTS[kind].items() if key != "relevance" or params.q},
        regions=region_choices("全部地区", cities_of=cities_of), provinces=province_names(),
        amount_names=AMOUNT_PARAMS[kind],
        facet_url=lambda **changes: _url(kind, params.raw, **changes),
        sort_url=lambda sort: _url(kind, params.raw, sort=sort),
    )


@bp.route("/results")
@conditional(browse_fingerprint)
@page_cache.public("listings", searches=True)
def browse_results():
    """Published technology results, filtered, sorted and paged."""
    return _render("result", "listings/browse_results.html")


@bp.route("/needs")
@conditional(browse_fingerprint)
@page_cache.public("listings", searches=True)
def browse_needs():
    """Published technology needs (incl. 揭榜挂帅), filtered, sorted and paged."""
    return _render("need", "listings/browse_needs.html")
