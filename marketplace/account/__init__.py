"""Blueprint: account settings, address confirmation, password reset by e-mail, unsubscribe."""
from flask import Blueprint

bp = Blueprint("account", __name__)

from marketplace.account import views  # noqa: E402,F401
