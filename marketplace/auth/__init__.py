"""Blueprint: auth."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from marketplace.auth import views  # noqa: E402,F401
from marketplace.auth import views_tokens  # noqa: E402,F401
