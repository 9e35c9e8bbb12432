"""The organisation dashboard (我的单位) and the reviewers' queue (审核)."""
from flask import render_template
from flask_login import current_user

from marketplace.listings import bp
from marketplace.listings import services
from marketplace.listings.forms import ActionForm
from marketplace.permissions import LOGGED_IN, permission_required


@bp.route("/my")
@permission_required(LOGGED_IN)
def dashboard():
    """The user's organisation: its listings by status, return reasons, 揭榜 applications."""
    org = current_user.organisation
    if org is None:
        return render_template("listings/dashboard.html", org=None)
    results = services.organisation_listings(org.id, "result")
    needs = services.organisation_listings(org.id, "need")
    return render_template(
        "listings/dashboard.html", org=org, results=results, needs=needs,
        result_counts=services.status_counts(results), need_counts=services.status_counts(needs),
        reasons={"result": services.return_reasons(results), "need": services.return_reasons(needs)},
        received=services.applications_received(org.id), sent=services.applications_sent(org.id),
        can_publish=current_user.is_publisher)


@bp.route("/review")
@permission_required("listing.review")
def review_queue():
    """Pending results and needs in the reviewer's region, with approve / return buttons."""
    return render_template(
        "listings/review.html", results=services.review_queue(current_user, "result"),
        needs=services.review_queue(current_user, "need"), action_form=ActionForm(), listing_version=services.version)
