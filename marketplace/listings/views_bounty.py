"""揭榜挂帅: institutes apply to bounty needs, the owner selects one applicant."""
from flask import abort, flash, redirect, url_for
from flask_login import current_user

from marketplace.listings import bp
from marketplace.listings import services
from marketplace.form_fields import EmptyForm
from marketplace.listings.forms import ApplyForm, SelectForm
from marketplace.listings.views import detail_url, load_visible
from marketplace.permissions import (
    LOGGED_IN, can_apply_to_bounty, can_edit_listing, can_review_listing, can_view_listing, has, is_member,
    permission_required,
)
from marketplace.web import committing, flash_errors
from models import ApplicationStatus, BountyApplication, db


def bounty_context(need, user) -> dict:
    """What the need page shows about applications to `user`."""
    if not need.is_bounty:
        return {}
    applications = list(need.applications)
    sees_all = can_edit_listing(user, need) or can_review_listing(user, need)
    own = next((a for a in applications if is_member(user, a.organisation_id)), None)
    return {
        "applications": applications if sees_all else [],
        "application_count": sum(a.status != ApplicationStatus.WITHDRAWN for a in applications),
        "own_application": own,
        "can_select": can_edit_listing(user, need) and need.selected_application is None,
        "can_apply": can_apply_to_bounty(user, need) and (own is None or own.status == ApplicationStatus.WITHDRAWN),
    }


@bp.route("/needs/<int:listing_id>/apply", methods=["POST"])
@permission_required(LOGGED_IN)
def apply(listing_id: int):
    """An institute answers (揭榜) a published bounty need."""
    need = load_visible("need", listing_id)
    if not need.is_bounty:
        abort(404)
    if not has(current_user, "bounty.apply") or is_member(current_user, need.organisation_id):
        abort(403)
    form = ApplyForm()
    if not can_apply_to_bounty(current_user, need):
        flash("该榜单已截止、已选定揭榜单位或未发布，不能揭榜。", "danger")
    elif not form.validate_on_submit():
        flash_errors(form)
    else:
        with committing("揭榜申请已提交。"):
            services.apply_to_bounty(need, current_user, form.proposal.data)
    return redirect(detail_url(need))


@bp.route("/needs/<int:listing_id>/applications/<int:application_id>/select", methods=["POST"])
@permission_required(LOGGED_IN)
def select_application(listing_id: int, application_id: int):
    """The need's owner picks one applicant; the others become 未选中."""
    need = load_visible("need", listing_id)
    application = db.get_or_404(BountyApplication, application_id)
    if application.need_id != need.id:
        abort(404)
    if not can_edit_listing(current_user, need):
        abort(403)
    form = SelectForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(detail_url(need))
    with committing(f"已选定揭榜单位：{application.organisation.name}。"):
        services.select_application(need, application, current_user, form.comment.data)
    return redirect(detail_url(need))


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@permission_required(LOGGED_IN)
def withdraw_application(application_id: int):
    """The applying organisation withdraws its pending application."""
    application = db.get_or_404(BountyApplication, application_id)
    if not is_member(current_user, application.organisation_id):
        abort(404)
    if not has(current_user, "bounty.apply"):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with committing("已撤回揭榜申请。"):
        services.withdraw_application(application, current_user)
    if not can_view_listing(current_user, application.need):
        return redirect(url_for("listings.dashboard"))
    return redirect(detail_url(application.need))
