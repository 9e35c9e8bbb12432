"""GET /api/v1/search: full-text search over published listings."""
from dataclasses import replace

from flask import jsonify, request

import search_index
from marketplace import page_cache
from marketplace.api import bp
from marketplace.api.inputs import read_args, text_param
from marketplace.api.listings import FIELD, KIND_FILTERS, REGION
from marketplace.api.pagination import PAGING
from marketplace.api.payload import rule_conflict
from marketplace.errors import error_response
from marketplace.http_cache import browse_fingerprint, conditional
from models.vocab import COOPERATION_MODES, TRANSFER_MODES


def _explain_mode(value: str) -> None:
    """A mode of neither kind, in the words of the kind asked for (the browse page's message)."""
    kind = request.args.get("kind") if request.args.get("kind") in search_index.KINDS else "result"
    search_index.parse_filters(kind, {"mode": value}).check()


def _search_params() -> list:
    """Both kinds' filters (each marked with its kind), then the query, kind, sort and paging."""
    only = {"result": "（仅 kind=result）", "need": "（仅 kind=need）"}
    filters = [replace(param, description=param.description + only[kind])
               for kind, params in KIND_FILTERS.items() for param in params if param.name != "mode"]
    modes = list(dict.fromkeys(TRANSFER_MODES + COOPERATION_MODES))
    longest = search_index.MAX_QUERY_CHARS
    return [text_param("q", f"检索词，最多 {longest} 个字符", max_length=longest, code="bad_query",
                       message=f"检索词过长（最多 {longest} 个字符）。"),
            text_param("kind", "result（默认）或 need", enum=list(search_index.KINDS), code="bad_query",
                       message="未知的检索类型。"), FIELD, REGION, *filters,
            text_param("mode", "转化方式（kind=result）或合作方式（kind=need）；另一类的值 409", enum=modes,
                       code="bad_filter", explain=_explain_mode),
            text_param("sort", "relevance（默认，按相关度）、newest（最新发布）、price、price_desc（价格或预算升/降序）",
                       enum=list(search_index.SORTS), code="bad_query", message="未知的排序方式。"), *PAGING]


SEARCH_PARAMS = _search_params()


@bp.route("/search")
@conditional(browse_fingerprint)
@page_cache.public("listings", searches=True)
def search():
    """Published results or needs matching `q`, in rank order, with facet counts."""
    values = read_args(SEARCH_PARAMS)
    kind = values["kind"] or "result"
    try:
        found = search_index.search(
            kind, values["q"] or "", search_index.parse_filters(kind, request.args).check(),
            sort=values["sort"] or "relevance", page=values["page"] or 1, per_page=values["per_page"] or 20)
    except search_index.SearchTimeout as exc:
        return error_response(400, str(exc), "bad_query")
    except search_index.SearchError as exc:  # each value is valid: a range, a mode of the other kind, a page too far
        raise rule_conflict({"query": [str(exc)]}, str(exc)) from None
    items = [{
        "id": item.id, "kind": item.kind, "title": item.title, "org": item.organisation.name,
        "region_code": item.region_code, "field": item.field, "score": found.scores.get(item.id, 0.0),
        "highlight": str(found.highlights.get(item.id, "")),
    } for item in found.items]
    return jsonify({"total": found.total, "page": found.page, "per_page": found.per_page, "pages": found.pages,
                    "items": items,
                    "facets": {name: [[value, count] for value, count in pairs]
                               for name, pairs in found.facets.items()},
                    "notice": found.notice})
