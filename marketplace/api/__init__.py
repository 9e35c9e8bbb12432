"""Blueprint: api."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from marketplace.api import search, views  # noqa: E402,F401
from marketplace.api import stats  # noqa: E402,F401
from marketplace.api import matching  # noqa: E402,F401
from marketplace.api import amendments  # noqa: E402,F401
from marketplace.api import contracts, hooks, listings  # noqa: E402,F401
from marketplace.api import verify  # noqa: E402,F401
