"""Blueprint: brokers (the public broker directory and profiles)."""
from flask import Blueprint

bp = Blueprint("brokers", __name__)

from marketplace.brokers import views  # noqa: E402,F401
