"""Home page."""
from flask import render_template

from marketplace.main import bp
from marketplace.main import services


@bp.route("/")
def index():
    """Home: counts, newest results and needs, fields and open 揭榜挂帅 bounties."""
    return render_template(
        "main/index.html", counts=services.home_counts(), results=services.newest_results(),
        needs=services.newest_needs(), bounties=services.open_bounties(), fields=services.field_counts(),
    )


@bp.route("/healthz")
def healthz():
    """Liveness probe for load balancers."""
    return {"status": "ok"}
