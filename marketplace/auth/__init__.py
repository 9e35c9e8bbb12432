"""Blueprint: auth."""
from flask import Blueprint

from marketplace.auth.sessions import touch_session

bp = Blueprint("auth", __name__)
bp.after_app_request(touch_session)

from marketplace.auth import views  # noqa: E402,F401
from marketplace.auth import views_tokens  # noqa: E402,F401
