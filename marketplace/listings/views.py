"""Listing pages: create, edit, detail and life-cycle actions of results and needs.

Each view is registered twice, once per kind (`result_detail`, `need_detail`, …).
Browsing lives in browse.py; 揭榜挂帅 in views_bounty.py; dashboard and review
queue in views_dashboard.py.
"""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace import follows, page_cache
from marketplace.http_cache import conditional, listing_fingerprint
from marketplace.listings import bp
from marketplace.listings import services
from marketplace.listings.forms import ActionForm, NeedForm, ResultForm
from marketplace.listings.services import LISTING_MODELS
from marketplace.listings.workflow import ACTIONS, OWNER
from marketplace.permissions import (
    LOGGED_IN, can_edit_listing, can_review_listing, can_view_listing, is_member, permission_required,
)
from marketplace.web import committing, flash_errors
from models import ListingStatus, db

FORMS = {"result": ResultForm, "need": NeedForm}
KIND_PATHS = {"result": "results", "need": "needs"}
# Actions offered as buttons; "revise" only happens through editing.
BUTTON_ACTIONS = {name for name in ACTIONS if name != "revise"}


def detail_url(listing) -> str:
    """The detail page of a result or need."""
    return url_for(f"listings.{listing.kind}_detail", listing_id=listing.id)


def load_visible(kind: str, listing_id: int):
    """The listing if the current user may see it, else 404."""
    listing = db.get_or_404(LISTING_MODELS[kind], listing_id)
    if not can_view_listing(current_user, listing):
        abort(404)
    return listing


def _form_for(kind: str, listing=None):
    """A bound form; on GET of an existing listing, pre-filled from it."""
    extra = {"current_deadline": listing.deadline} if kind == "need" and listing is not None else {}
    if request.method == "GET" and listing is not None:
        form = FORMS[kind](obj=listing, **extra)
        form.fill_from(listing)
        return form
    form = FORMS[kind](**extra)
    if request.method == "GET":
        form.region_code.data = current_user.organisation.region_code
    return form


@permission_required("listing.create")
def new_listing(kind: str):
    """Create a result or need for the user's organisation (draft or submitted)."""
    if current_user.organisation is None:
        abort(403)
    form = _form_for(kind)
    if form.validate_on_submit():
        with committing("已提交审核。" if form.wants_submit else "草稿已保存。") as saved:
            listing = services.create_listing(kind, current_user.organisation, current_user, form.model_data(),
                                              submit=form.wants_submit)
        if saved.ok:
            return redirect(detail_url(listing))
    return render_template(f"listings/form_{kind}.html", form=form, listing=None)


@permission_required(LOGGED_IN)
def edit_listing(kind: str, listing_id: int):
    """Edit a listing of the user's organisation; a published one goes back to review."""
    listing = load_visible(kind, listing_id)
    if not can_edit_listing(current_user, listing):
        abort(403)
    form = _form_for(kind, listing)
    if form.validate_on_submit():
        requeued = listing.is_published or listing.status == ListingStatus.PENDING or form.wants_submit
        with committing("已修改，重新进入审核。" if requeued else "已保存。"):
            services.update_listing(listing, current_user, form.model_data(), submit=form.wants_submit)
        return redirect(detail_url(listing))
    return render_template(f"listings/form_{kind}.html", form=form, listing=listing)


@conditional(listing_fingerprint)
@page_cache.public("listings", "trades")
def listing_detail(kind: str, listing_id: int):
    """A result or need; history for the owner organisation and reviewers."""
    listing = load_visible(kind, listing_id)
    insider = is_member(current_user, listing.organisation_id) or can_review_listing(current_user, listing)
    context = {}
    if kind == "need":
        from marketplace.listings.views_bounty import bounty_context

        context = bounty_context(listing, current_user)
    return render_template(
        f"listings/detail_{kind}.html", listing=listing, events=list(listing.events) if insider else [],
        actions=services.actions_for(listing, current_user), can_edit=can_edit_listing(current_user, listing),
        listing_version=services.version, following=follows.is_following(current_user, listing),
        **_ask_button(listing), trade=_trade_of(listing), tender=_tender_of(listing), **context)


def _tender_of(listing):
    """The need's open tender (招标), shown to everyone."""
    from marketplace.tenders.services import open_tender  # here: the tenders blueprint imports this module

    return open_tender(listing) if listing.kind == "need" and listing.status == "published" else None


def _trade_of(listing):
    """The result's trade under way or dealt (its notice, listing or auction), shown to everyone."""
    from marketplace.trading.services import active_trade  # here: the trading blueprint imports this module

    return active_trade(listing) if listing.kind == "result" and listing.status == "published" else None


def _ask_button(listing) -> dict:
    """The 咨询 button for members of another organisation: their thread if they have one, else a new one."""
    from marketplace.threads import services as threads  # here: the threads blueprint imports this module

    if not threads.can_ask(current_user, listing):
        return {"ask_url": None}
    thread = threads.existing_thread(current_user, listing)
    if thread is not None:
        return {"ask_url": url_for("threads.show", thread_id=thread.id), "ask_label": "查看咨询"}
    return {"ask_url": url_for(f"threads.ask_{listing.kind}", listing_id=listing.id), "ask_label": "向持有单位咨询" if listing.kind == "result" else "向需求方咨询"}


@permission_required(LOGGED_IN)
def listing_action(kind: str, listing_id: int):
    """Apply one life-cycle action; the action name must be in the workflow table."""
    listing = load_visible(kind, listing_id)
    form = ActionForm()
    if form.action.data not in BUTTON_ACTIONS:
        abort(400, "未知操作。")
    action = ACTIONS[form.action.data]
    allowed = can_edit_listing if OWNER in action.parties else can_review_listing
    if not allowed(current_user, listing):
        abort(403)
    if not form.validate_on_submit():
        flash_errors(form)
    else:
        with committing(f"操作成功：{action.label}。"):
            services.transition(listing, action.name, current_user, form.comment.data,
                                version=form.version.data or None)
    if form.return_to.data == "review" and current_user.is_reviewer:
        return redirect(url_for("listings.review_queue"))
    return redirect(detail_url(listing))


for _kind, _path in KIND_PATHS.items():
    bp.add_url_rule(f"/{_path}/new", f"{_kind}_new", new_listing, methods=["GET", "POST"],
                    defaults={"kind": _kind})
    bp.add_url_rule(f"/{_path}/<int:listing_id>", f"{_kind}_detail", listing_detail, defaults={"kind": _kind})
    bp.add_url_rule(f"/{_path}/<int:listing_id>/edit", f"{_kind}_edit", edit_listing, methods=["GET", "POST"],
                    defaults={"kind": _kind})
    bp.add_url_rule(f"/{_path}/<int:listing_id>/action", f"{_kind}_action", listing_action, methods=["POST"],
                    defaults={"kind": _kind})

from marketplace.listings import views_bounty, views_dashboard  # noqa: E402,F401
