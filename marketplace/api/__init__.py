"""Blueprint: api."""
from flask import Blueprint
from werkzeug.routing import IntegerConverter

bp = Blueprint("api", __name__)
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns on PostgreSQL


class RowId(IntegerConverter):
    """<id:name>: a row id; digits outside 1…MAX_ID read as 0, which no row has (a 404, not an overflow)."""

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if 1 <= number <= MAX_ID else 0


bp.record_once(lambda state: state.app.url_map.converters.setdefault("id", RowId))

from marketplace.api import search, views  # noqa: E402,F401
from marketplace.api import stats  # noqa: E402,F401
from marketplace.api import matching  # noqa: E402,F401
from marketplace.api import amendments  # noqa: E402,F401
from marketplace.api import contracts, hooks, listings  # noqa: E402,F401
from marketplace.api import verify  # noqa: E402,F401
from marketplace.api import deal_making, deals  # noqa: E402,F401
