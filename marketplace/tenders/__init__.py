"""Blueprint: 招标 for needs — tenders, sealed proposals, opening, scoring and the award."""
from flask import Blueprint

bp = Blueprint("tenders", __name__)

from marketplace.tenders import views  # noqa: E402,F401
