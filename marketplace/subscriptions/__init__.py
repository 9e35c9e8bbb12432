"""Blueprint: my follows and saved searches (关注与订阅)."""
from flask import Blueprint

bp = Blueprint("subscriptions", __name__)

from marketplace.subscriptions import views  # noqa: E402,F401
