"""Blueprint: account settings, address confirmation, password reset by e-mail, unsubscribe."""
from flask import Blueprint

bp = Blueprint("account", __name__)

from marketplace.account import display, views  # noqa: E402,F401

bp.after_app_request(display.follow_the_user)
