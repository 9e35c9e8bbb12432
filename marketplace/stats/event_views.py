"""Matchmaking event pages: list, create, attach needs and deals, report."""
from flask import abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from marketplace.permissions import can_manage_event, has, permission_required
from marketplace.stats import bp, events
from marketplace.stats.forms import AttachNeedsForm, DealForm, EventForm
from marketplace.web import committing, flash_errors
from models import db
from models.event import EventDeal, MatchEvent


def _managed_event(event_id: int) -> MatchEvent:
    event = db.get_or_404(MatchEvent, event_id)
    if not can_manage_event(current_user, event):
        abort(403)
    return event


@bp.route("/events")
def events_list():
    """Public list of matchmaking events with their totals."""
    recent = events.recent_events()
    totals = events.totals_by_event([event.id for event in recent])
    items = [(event, events.report_line(event, totals[event.id])) for event in recent]
    return render_template("stats/events.html", items=items,
                           can_create=has(current_user, "event.manage"))


@bp.route("/events/new", methods=["GET", "POST"])
@permission_required("event.manage")
def event_new():
    """Create a matchmaking event in the official's region."""
    form = EventForm()
    if form.validate_on_submit():
        with committing("对接活动已创建。") as saved:
            event = events.create_event(current_user, form.data_for_service())
        if saved.ok:
            return redirect(url_for("stats.event_detail", event_id=event.id))
    return render_template("stats/event_form.html", form=form)


@bp.route("/events/<int:event_id>")
def event_detail(event_id):
    """An event's report: needs pushed, projects signed, amount signed."""
    # The deals' contracts in the same query as the deals (the report names each one's registration number).
    event = db.session.get(MatchEvent, event_id,
                           options=[selectinload(MatchEvent.deals).joinedload(EventDeal.contract)])
    if event is None:
        abort(404)
    manage = can_manage_event(current_user, event)
    totals = events.totals(event)
    return render_template("stats/event_detail.html", event=event, report=events.report_line(event, totals),
                           totals=totals, manage=manage,
                           needs_form=AttachNeedsForm() if manage else None, deal_form=DealForm() if manage else None)


@bp.route("/events/<int:event_id>/needs", methods=["POST"])
@permission_required("event.manage")
def event_attach_needs(event_id):
    """Attach published needs (by id) pushed at the event."""
    event = _managed_event(event_id)
    form = AttachNeedsForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("stats.event_detail", event_id=event.id))
    with committing() as saved:
        added = events.attach_needs(event, events.parse_ids(form.need_ids.data))
        saved.success = f"已添加 {added} 项推介需求。"
    return redirect(url_for("stats.event_detail", event_id=event.id))


@bp.route("/events/<int:event_id>/deals", methods=["POST"])
@permission_required("event.manage")
def event_add_deal(event_id):
    """Record a project signed at the event."""
    event = _managed_event(event_id)
    form = DealForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("stats.event_detail", event_id=event.id))
    with committing("签约项目已记录。"):
        events.add_deal(event, form.data_for_service(), form.amount_fen, form.registration_no.data or "")
    return redirect(url_for("stats.event_detail", event_id=event.id))
