"""Home page."""
from flask import render_template

from marketplace.main import bp


@bp.route("/")
def index():
    """Home: newest results and needs, counts."""
    return render_template("main/index.html")


@bp.route("/healthz")
def healthz():
    """Liveness probe for load balancers."""
    return {"status": "ok"}
