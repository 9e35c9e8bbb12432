"""Blueprint: listings."""
from flask import Blueprint

bp = Blueprint("listings", __name__)

from marketplace.listings import views  # noqa: E402,F401
from marketplace.listings import browse  # noqa: E402,F401
