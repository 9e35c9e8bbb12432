"""Blueprint: imports and large exports through the site (officials and admins), run as jobs."""
from flask import Blueprint

bp = Blueprint("imports", __name__)

from marketplace.imports import views  # noqa: E402,F401
