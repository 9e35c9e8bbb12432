"""Blueprint: statistics of registered contracts (public page, officials' dashboard, exports, events)."""
from flask import Blueprint

bp = Blueprint("stats", __name__)

from marketplace.stats import cli, event_views, views  # noqa: E402,F401
