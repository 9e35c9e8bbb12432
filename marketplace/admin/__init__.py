"""Blueprint: admin."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from marketplace.admin import views, views_jobs, views_thesaurus  # noqa: E402,F401
