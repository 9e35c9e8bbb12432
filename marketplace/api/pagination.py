"""`page` / `per_page` for list calls and the {"items", "total", "page", "per_page", "pages"} envelope."""
from marketplace.api.inputs import int_param, read_args
from models import db

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10**6
PAGING = [int_param("page", "页码，从 1 开始", 1, MAX_PAGE, 1, code="bad_page"),
          int_param("per_page", f"每页条数，1–{MAX_PER_PAGE}", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE, code="bad_page")]


def page_args() -> tuple[int, int]:
    """The requested page and page size (400 for values that are not integers in range)."""
    values = read_args(PAGING)
    return values["page"] or 1, values["per_page"] or DEFAULT_PER_PAGE


def paged_json(stmt, serialize) -> dict:
    """One page of `stmt` (a select) as the list envelope; a page past the end is empty, not an error."""
    page, per_page = page_args()
    found = db.paginate(stmt, page=page, per_page=per_page, max_per_page=MAX_PER_PAGE, error_out=False)
    return {"items": [serialize(item) for item in found.items], "total": found.total, "page": page,
            "per_page": per_page, "pages": found.pages}
