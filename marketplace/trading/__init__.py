"""Blueprint: pricing and trading results — agreed prices under public notice, listings, auctions."""
from flask import Blueprint

bp = Blueprint("trading", __name__)

from marketplace.trading import views  # noqa: E402,F401
