"""Blueprint: payments on record (资金结算登记) — a registered contract's payment plan and payments received."""
from flask import Blueprint

bp = Blueprint("payments", __name__)

from marketplace.payments import views  # noqa: E402,F401
