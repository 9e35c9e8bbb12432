"""Listing operations: create, edit, move through the life cycle, 揭榜挂帅.

Functions flush but never commit; the caller commits once.
"""
from sqlalchemy import func, insert, select
from sqlalchemy.orm import joinedload

import search_index
from marketplace.listings.workflow import OWNER, REVIEWER, WORKFLOW, WorkflowError, available_actions, next_state
from marketplace.permissions import can_edit_listing, can_review_listing, region_scope_prefix
from models import (
    STATUS_LABELS, ApplicationStatus, BountyApplication, ListingEvent, ListingStatus, Organisation, TechNeed,
    TechResult, db,
)
from models.base import utcnow

LISTING_MODELS = {"result": TechResult, "need": TechNeed}


@WORKFLOW.history
def record_event(listing, action: str, actor, from_status, comment: str = "") -> ListingEvent:
    """Store one history row for a listing."""
    event = ListingEvent(
        action=action, from_status=from_status, to_status=listing.status,
        actor_id=actor.id if actor is not None else None, comment=comment or "",
    )
    if isinstance(listing, TechResult):
        event.result_id = listing.id
    else:
        event.need_id = listing.id
    db.session.add(event)
    return event


def record_events(kind: str, listing_ids: list[int], action: str, actor, from_status, to_status: str,
                  comment: str = "") -> None:
    """Store the same history row for many listings of `kind` in one statement (bulk imports)."""
    link = "result_id" if kind == "result" else "need_id"
    actor_id, at = (actor.id if actor is not None else None), utcnow()
    db.session.execute(insert(ListingEvent.__table__), [
        {link: listing_id, "action": action, "from_status": from_status, "to_status": to_status,
         "actor_id": actor_id, "comment": comment or "", "at": at} for listing_id in listing_ids])


def create_listing(kind: str, organisation, actor, data: dict, submit: bool = False):
    """Create a result or need as a draft of `organisation`; optionally submit it for review."""
    listing = LISTING_MODELS[kind](organisation_id=organisation.id, created_by_id=actor.id if actor else None,
                                   status=ListingStatus.DRAFT, **data)
    db.session.add(listing)
    db.session.flush()
    record_event(listing, "create", actor, None, "创建")
    if submit:
        transition(listing, "submit", actor)
    search_index.record_change(listing)
    return listing


def update_listing(listing, actor, data: dict, submit: bool = False):
    """Apply edited content; an edited published listing goes back to review, a pending one to the queue's end."""
    for key, value in data.items():
        setattr(listing, key, value)
    before = listing.status
    if before == ListingStatus.PUBLISHED:
        transition(listing, "revise", actor, "发布后修改，重新审核")
    elif before == ListingStatus.PENDING:
        # The reviewer must see the new text: a new version (see `version`), queued again.
        listing.updated_at = utcnow()
        record_event(listing, "resubmit", actor, before, "审核期间修改，重新排队审核")
    else:
        record_event(listing, "edit", actor, before, "修改内容")
        if submit and next_state(listing.status, "submit"):
            transition(listing, "submit", actor)
    search_index.record_change(listing)
    return listing


@WORKFLOW.parties
def parties_of(actor, listing) -> set[str]:
    """The owner side and/or reviewer; a step without an actor (import, script) may act as either."""
    if actor is None:
        return {OWNER, REVIEWER}
    return ({OWNER} if can_edit_listing(actor, listing) else set()) | (
        {REVIEWER} if can_review_listing(actor, listing) else set())


def version(listing) -> str:
    """The listing's version as a review form carries it: its last change."""
    return listing.updated_at.isoformat() if listing.updated_at else ""


@WORKFLOW.before
def _approval_rules(step) -> None:
    """An approval of content changed since the reviewer's page was shown is refused; publishing is dated."""
    seen = step.options.get("version")
    if step.action.name == "approve" and seen is not None and seen != version(step.obj):
        raise WorkflowError("该条目在您打开后已被修改，请重新查看最新内容后再审核。")
    if step.target == ListingStatus.PUBLISHED:
        step.obj.published_at = utcnow()


@WORKFLOW.after
def _reindex_and_tell(step) -> None:
    from marketplace import notify_events

    search_index.record_change(step.obj)
    notify_events.listing_step(step)


def transition(listing, action_name: str, actor, comment: str = "", version: str | None = None):
    """Move a listing along the table, recording who, when and why; `version`: what an approving reviewer saw."""
    return WORKFLOW.apply(listing, action_name, actor, comment, version=version)


def _pending_in_scope(stmt, model, prefix: str):
    """Pending listings whose publishing organisation lies in the reviewer's region (routing by organisation)."""
    stmt = stmt.where(model.status == ListingStatus.PENDING)
    if prefix:
        stmt = stmt.join(Organisation, model.organisation_id == Organisation.id).where(
            Organisation.region_code.startswith(prefix))
    return stmt


def review_queue(user, kind: str):
    """Pending listings of `kind` from organisations of the reviewer's region, longest waiting first."""
    model = LISTING_MODELS[kind]
    prefix = region_scope_prefix(user)
    if prefix is None:
        return []
    stmt = _pending_in_scope(select(model), model, prefix).order_by(model.updated_at, model.id)
    return db.session.scalars(stmt).all()


def pending_count(user) -> int:
    """How many listings wait for this reviewer (navigation badge)."""
    prefix = region_scope_prefix(user)
    if prefix is None:
        return 0
    return sum(db.session.scalar(_pending_in_scope(select(func.count()).select_from(model), model, prefix))
               for model in LISTING_MODELS.values())


def organisation_listings(organisation_id: int, kind: str):
    """All listings of `kind` owned by the organisation, newest change first."""
    model = LISTING_MODELS[kind]
    stmt = select(model).where(model.organisation_id == organisation_id).order_by(model.updated_at.desc())
    return db.session.scalars(stmt).all()


def apply_to_bounty(need: TechNeed, user, proposal: str) -> BountyApplication:
    """An institute answers (揭榜) a bounty need; one application per organisation."""
    existing = db.session.scalar(select(BountyApplication).where(
        BountyApplication.need_id == need.id, BountyApplication.organisation_id == user.organisation_id))
    if existing is not None and existing.status != ApplicationStatus.WITHDRAWN:
        raise WorkflowError("贵单位已揭榜该需求，不能重复申请。")
    if existing is not None:
        existing.proposal, existing.status, existing.applicant_id = proposal, ApplicationStatus.SUBMITTED, user.id
        application = existing
    else:
        application = BountyApplication(need_id=need.id, organisation_id=user.organisation_id,
                                        applicant_id=user.id, proposal=proposal)
        db.session.add(application)
    db.session.flush()
    record_event(need, "bounty_apply", user, need.status, f"{user.organisation.name} 揭榜")
    from marketplace import notify_events

    notify_events.bounty_applied(need, application, user)
    return application


def withdraw_application(application: BountyApplication, user) -> None:
    """The applicant withdraws a pending 揭榜 application."""
    if application.status != ApplicationStatus.SUBMITTED:
        raise WorkflowError("只有待选定的揭榜申请可以撤回。")
    application.status = ApplicationStatus.WITHDRAWN
    record_event(application.need, "bounty_withdraw", user, application.need.status,
                 f"{application.organisation.name} 撤回揭榜")


def select_application(need: TechNeed, application: BountyApplication, actor, comment: str = "") -> None:
    """The enterprise picks one applicant; every other applicant is marked not selected."""
    if application.need_id != need.id or application.status != ApplicationStatus.SUBMITTED:
        raise WorkflowError("只能从有效的揭榜申请中选定。")
    if need.selected_application is not None:
        raise WorkflowError("该榜单已选定揭榜单位。")
    now = utcnow()
    for other in need.applications:
        if other.status == ApplicationStatus.SUBMITTED:
            other.status = ApplicationStatus.SELECTED if other is application else ApplicationStatus.NOT_SELECTED
            other.decided_at, other.decided_by_id = now, actor.id
    record_event(need, "bounty_select", actor, need.status,
                 f"选定揭榜单位：{application.organisation.name}" + (f"（{comment}）" if comment else ""))
    search_index.record_change(need)
    from marketplace import notify_events

    notify_events.bounty_decided(need, application, actor)
    db.session.flush()


def actions_for(listing, user) -> list:
    """Life-cycle buttons `user` may press on `listing` now (owner first, then reviewer)."""
    actions = []
    if can_edit_listing(user, listing):
        actions += available_actions(listing.status, OWNER)
    if can_review_listing(user, listing):
        actions += available_actions(listing.status, REVIEWER)
    return actions


def return_reasons(listings) -> dict[int, str]:
    """The latest 退回 reason of each returned listing, by id (one query for them all)."""
    reasons = {listing.id: "" for listing in listings if listing.status == ListingStatus.RETURNED}
    if not reasons:
        return reasons
    column = ListingEvent.result_id if listings[0].kind == "result" else ListingEvent.need_id
    rows = db.session.execute(select(column, ListingEvent.comment)
                              .where(column.in_(reasons), ListingEvent.action == "return").order_by(ListingEvent.id))
    for listing_id, comment in rows:  # oldest first: the latest return wins
        reasons[listing_id] = comment
    return reasons


def status_counts(listings) -> dict[str, int]:
    """How many listings are in each displayed status (已过期 counted apart)."""
    counts = {status: 0 for status in STATUS_LABELS}
    for listing in listings:
        counts[listing.display_status] += 1
    return counts


def applications_received(organisation_id: int) -> list[BountyApplication]:
    """揭榜 applications to the organisation's bounty needs, newest first."""
    stmt = (select(BountyApplication).join(TechNeed, BountyApplication.need_id == TechNeed.id)
            .where(TechNeed.organisation_id == organisation_id).order_by(BountyApplication.id.desc()))
    return db.session.scalars(stmt).all()


def applications_sent(organisation_id: int) -> list[BountyApplication]:
    """揭榜 applications the organisation made, newest first."""
    stmt = (select(BountyApplication).where(BountyApplication.organisation_id == organisation_id)
            .options(joinedload(BountyApplication.need)).order_by(BountyApplication.id.desc()))
    return db.session.scalars(stmt).all()
