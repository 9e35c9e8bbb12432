"""Blueprint: public verification of registration numbers (登记证明核验), rate-limited per client address."""
from flask import Blueprint

bp = Blueprint("verification", __name__)

from marketplace.verification import views  # noqa: E402,F401
