"""GET /api/v1/search: full-text search over published listings."""
from flask import jsonify, request

import search_index
from marketplace import page_cache
from marketplace.api import bp
from marketplace.errors import error_response
from marketplace.http_cache import browse_fingerprint, conditional


@bp.route("/search")
@conditional(browse_fingerprint)
@page_cache.public("listings", searches=True)
def search():
    """Published results or needs matching `q`, in rank order, with facet counts."""
    args = request.args
    kind = args.get("kind", "result")
    try:
        found = search_index.search(
            kind, args.get("q", ""), search_index.parse_filters(kind, args), sort=args.get("sort", "relevance"),
            page=args.get("page", 1), per_page=args.get("per_page", 20))
    except search_index.FilterError as exc:
        return error_response(400, str(exc), "bad_filter")
    except search_index.SearchError as exc:
        return error_response(400, str(exc), "bad_query")
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
