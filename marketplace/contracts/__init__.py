"""Blueprint: technology contracts and their registration (认定登记)."""
from flask import Blueprint

bp = Blueprint("contracts", __name__)

from marketplace.contracts import ledger_views, views, views_amend, views_office  # noqa: E402,F401
