"""`page` / `per_page` for list calls and the {"items", "total", "page", "per_page", "pages"} envelope."""
import re

from flask import request

from marketplace.api.payload import ApiError
from models import db

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10**6
_NUMBER = re.compile(r"[0-9]{1,9}")


def _int_arg(name: str, default: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    raw = raw.strip()
    if not _NUMBER.fullmatch(raw) or not 1 <= int(raw) <= high:
        raise ApiError(400, "bad_page", f"{name} 应为 1 到 {high} 之间的整数。")
    return int(raw)


def page_args() -> tuple[int, int]:
    """The requested page and page size (400 for values that are not sensible integers)."""
    return _int_arg("page", 1, MAX_PAGE), _int_arg("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)


def paged_json(stmt, serialize) -> dict:
    """One page of `stmt` (a select) as the list envelope; a page past the end is empty, not an error."""
    page, per_page = page_args()
    found = db.paginate(stmt, page=page, per_page=per_page, max_per_page=MAX_PER_PAGE, error_out=False)
    return {"items": [serialize(item) for item in found.items], "total": found.total, "page": page,
            "per_page": per_page, "pages": found.pages}
