"""Listing pages (placeholder routes)."""
from marketplace.listings import bp


@bp.route("/results")
def browse_results():
    """Browse results."""
    return "results"


@bp.route("/needs")
def browse_needs():
    """Browse needs."""
    return "needs"


@bp.route("/my")
def dashboard():
    """My organisation."""
    return "dashboard"


@bp.route("/review")
def review_queue():
    """Review queue."""
    return "review"
