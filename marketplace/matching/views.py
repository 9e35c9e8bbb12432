"""Pages of the deal pipeline: suggestions, proposing, a match's page and its steps, the boards."""
from datetime import date

from flask import abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from marketplace.matching import bp, engine, services
from marketplace.matching.forms import AnswerForm, ContractDraftForm, MatchActionForm, NotesForm, ProposeForm
from marketplace.matching.workflow import ACTIONS, BROKER, RESULT_SIDE, available_actions
from marketplace.permissions import (
    LOGGED_IN, can_read_notes, can_see_suggestions, can_view_contract, can_view_listing, can_view_match, has,
    is_member, parties_of, permission_required,
)
from marketplace.web import committing, flash_errors
from models import ListingStatus, Match, TechNeed, TechResult, db
from models.match import MATCH_STATUS_LABELS, MatchStatus

SUGGESTIONS = 20


def _load_match(match_id: int) -> Match:
    match = db.get_or_404(Match, match_id)
    if not can_view_match(current_user, match):
        abort(404)
    return match


@bp.route("/needs/<int:need_id>/suggestions")
@permission_required(LOGGED_IN)
def need_suggestions(need_id):
    """Ranked published results for a need, with the reasons (brokers, officials, the need's owner)."""
    need = db.get_or_404(TechNeed, need_id)
    if not (can_view_listing(current_user, need) and can_see_suggestions(current_user, need)):
        abort(404)
    suggestions = engine.suggest_results(need, SUGGESTIONS)
    taken = set(db.session.scalars(select(Match.result_id).where(Match.need_id == need.id)))
    return render_template("matching/need_suggestions.html", need=need, suggestions=suggestions, taken=taken,
                           form=ProposeForm())


@bp.route("/results/<int:result_id>/suggestions")
@permission_required(LOGGED_IN)
def result_suggestions(result_id):
    """Open needs that fit a result (brokers, officials, the result's own organisation)."""
    result = db.get_or_404(TechResult, result_id)
    allowed = can_see_suggestions(current_user, result)
    if not (can_view_listing(current_user, result) and allowed):
        abort(404)
    suggestions = engine.suggest_needs(result, SUGGESTIONS) if result.status == ListingStatus.PUBLISHED else []
    taken = set(db.session.scalars(select(Match.need_id).where(Match.result_id == result.id)))
    can_answer = has(current_user, "match.answer") and is_member(current_user, result.organisation_id)
    return render_template("matching/result_suggestions.html", result=result, suggestions=suggestions,
                           taken=taken, form=AnswerForm() if can_answer else ProposeForm(), can_answer=can_answer)


def _pair(form):
    need = db.session.get(TechNeed, form.need_id.value)
    result = db.session.get(TechResult, form.result_id.value)
    if need is None or result is None:
        abort(404)
    return need, result


@bp.route("/propose", methods=["POST"])
@permission_required("match.propose")
def propose():
    """A broker recommends a result for a need; both parties get an introduction."""
    form = ProposeForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("matching.board"))
    need, result = _pair(form)
    suggestion = next((s for s in engine.suggest_results(need, engine.MAX_LIMIT) if s.listing.id == result.id), None)
    with committing("已推荐对接，双方将在站内消息中收到介绍。") as saved:
        match = services.propose(current_user, need, result, form.pitch.data, suggestion)
    if not saved.ok:
        return redirect(url_for("matching.need_suggestions", need_id=need.id))
    return redirect(url_for("matching.detail", match_id=match.id))


@bp.route("/answer", methods=["POST"])
@permission_required("match.answer")
def answer():
    """An institute answers a need directly with one of its results."""
    form = AnswerForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("matching.mine"))
    need, result = _pair(form)
    with committing("已响应该需求，需求方接受后即完成对接。") as saved:
        match = services.answer(current_user, need, result, form.pitch.data)
    if not saved.ok:
        return redirect(url_for("matching.result_suggestions", result_id=result.id))
    return redirect(url_for("matching.detail", match_id=match.id))


@bp.route("/<int:match_id>")
@permission_required(LOGGED_IN)
def detail(match_id):
    """A match: both listings, reasons, state, history, the actions open to me, private notes."""
    match = _load_match(match_id)
    parties = parties_of(current_user, match)
    notes_form = NotesForm(notes=match.broker_notes) if can_read_notes(current_user, match) else None
    contract = services.contract_for(match)
    if contract is not None and not can_view_contract(current_user, contract):
        contract = None  # officials see a match's contract once it is filed
    contract_form = ContractDraftForm() if (match.status == MatchStatus.SIGNED and contract is None
                                            and parties & {BROKER, RESULT_SIDE}) else None
    return render_template("matching/detail.html", match=match, actions=available_actions(match.status, parties),
                           parties=parties, steps=list(match.steps), notes_form=notes_form, contract=contract, contract_form=contract_form,
                           action_labels={name: a.label for name, a in ACTIONS.items()},
                           status_labels=MATCH_STATUS_LABELS)


@bp.route("/<int:match_id>/action", methods=["POST"])
@permission_required(LOGGED_IN)
def act(match_id):
    """Take one step of the pipeline (accept, decline, start talks, sign, close)."""
    match = _load_match(match_id)
    form = MatchActionForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("matching.detail", match_id=match.id))
    with committing() as outcome:
        services.transition(match, form.action.data, current_user, form.note.data)
        outcome.success = f"操作成功，当前状态：{match.status_label}。"
    return redirect(url_for("matching.detail", match_id=match.id))


@bp.route("/<int:match_id>/notes", methods=["POST"])
@permission_required("match.propose")
def save_notes(match_id):
    """The broker saves private notes on a match."""
    match = _load_match(match_id)
    if not can_read_notes(current_user, match):
        abort(403)
    form = NotesForm()
    if form.validate_on_submit():
        with committing("备注已保存。"):
            services.set_notes(match, current_user, form.notes.data)
    else:
        flash_errors(form)
    return redirect(url_for("matching.detail", match_id=match.id))


@bp.route("/<int:match_id>/contract", methods=["POST"])
@permission_required(LOGGED_IN)
def open_contract(match_id):
    """Open a contract draft from a signed match and hand over to contract registration."""
    match = _load_match(match_id)
    form = ContractDraftForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("matching.detail", match_id=match.id))
    with committing("合同草稿已生成，请核对后提交登记。") as saved:
        contract = services.open_contract(match, current_user, form.contract_type.data, form.amount_fen,
                                          form.signed_date)
    if not saved.ok:
        return redirect(url_for("matching.detail", match_id=match.id))
    return redirect(url_for("contracts.detail", contract_id=contract.id))


@bp.route("/board")
@permission_required("match.propose")
def board():
    """A broker's matches, grouped by state."""
    matches = db.session.scalars(select(Match).where(Match.broker_id == current_user.id)
                                 .order_by(Match.updated_at.desc(), Match.id.desc())).all()
    columns = {status: [m for m in matches if m.status == status] for status in MatchStatus.ALL}
    open_needs = db.session.scalars(
        select(TechNeed).where(TechNeed.status == ListingStatus.PUBLISHED,
                               or_(TechNeed.deadline.is_(None), TechNeed.deadline >= date.today()))
        .order_by(TechNeed.published_at.desc(), TechNeed.id.desc()).limit(20)).all()
    return render_template("matching/board.html", columns=columns, labels=MATCH_STATUS_LABELS, open_needs=open_needs)


@bp.route("/mine")
@permission_required("match.party")
def mine():
    """Matches involving my organisation, and my published listings to find counterparts for."""
    org = current_user.organisation_id
    matches = db.session.scalars(
        select(Match).join(TechNeed, TechNeed.id == Match.need_id).join(TechResult, TechResult.id == Match.result_id)
        .where(or_(TechNeed.organisation_id == org, TechResult.organisation_id == org))
        .order_by(Match.updated_at.desc(), Match.id.desc()).limit(200)).all()
    published = ListingStatus.PUBLISHED
    results = db.session.scalars(select(TechResult).where(TechResult.organisation_id == org,
                                                          TechResult.status == published).order_by(TechResult.id)).all()
    needs = db.session.scalars(select(TechNeed).where(TechNeed.organisation_id == org,
                                                      TechNeed.status == published).order_by(TechNeed.id)).all()
    return render_template("matching/mine.html", matches=matches, results=results, needs=needs)
