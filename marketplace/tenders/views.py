"""Tender pages: the public list and each tender's page, publishing one for a need, submitting a proposal, and —
after the opening — the owner's scores, award or 流标, and the winner's contract draft."""
from datetime import date

from flask import abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.validators import ValidationError

from marketplace import files
from marketplace.listings.views import load_visible
from marketplace.permissions import LOGGED_IN, has, permission_required
from marketplace.tenders import bp, services
from marketplace.tenders.forms import DecisionForm, ProposalForm, ScoreForm, TenderForm
from marketplace.trading.forms import ContractForm
from marketplace.web import committing, contract_draft_answer, flash_errors
from models import Tender, TenderFile, TenderProposal, db
from models.base import utcnow


def _load(tender_id: int) -> Tender:
    return db.get_or_404(Tender, tender_id)


@bp.route("/")
def index():
    state = request.args.get("state", "open")
    stmt = select(Tender).order_by(Tender.created_at.desc(), Tender.id.desc())
    stmt = stmt.where(Tender.status == "open") if state != "ended" else stmt.where(Tender.status != "open")
    page = db.paginate(stmt, per_page=20, error_out=False)
    return render_template("tenders/index.html", page=page, state=state)


def _render(tender: Tender, status: int = 200, form: ProposalForm | None = None):
    opened = services.is_open_for_reading(tender)
    mine = services.own_proposal(current_user, tender)
    can_bid = (has(current_user, "tender.bid") and current_user.organisation_id not in (None, tender.organisation_id)
               and tender.status == "open" and utcnow() < tender.deadline_at)
    response = make_response(render_template(
        "tenders/show.html", tender=tender, opened=opened, mine=mine, can_bid=can_bid,
        is_owner=services.is_owner(current_user, tender), count=services.proposal_count(tender),
        proposals=services.proposals_readable_by(current_user, tender), form=form or ProposalForm(formdata=None),
        score_form=ScoreForm(formdata=None), decision_form=DecisionForm(formdata=None),
        contract_form=ContractForm(formdata=None, signed_on=date.today().isoformat()),
        winner_side=mine is not None and mine.status == "awarded" and has(current_user, "contract.party")), status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:tender_id>")
def show(tender_id: int):
    return _render(_load(tender_id))


@bp.route("/new/<int:need_id>", methods=["GET", "POST"])
@permission_required("tender.manage")
def publish(need_id: int):
    need = load_visible("need", need_id)
    if need.organisation_id != current_user.organisation_id:
        abort(403)
    form = TenderForm()
    if form.validate_on_submit():
        with committing("已发布招标。", form=form) as saved:
            try:
                data = form.data()
            except ValidationError as exc:
                raise services.TenderError(str(exc), field="deadline_at") from None
            tender = services.publish(current_user._get_current_object(), need, data)
        if saved.ok:
            return redirect(url_for("tenders.show", tender_id=tender.id))
    elif request.method == "POST":
        flash_errors(form)
    return render_template("tenders/publish.html", form=form, need=need), 400 if request.method == "POST" else 200


@bp.route("/<int:tender_id>/proposals", methods=["POST"])
@permission_required("tender.bid")
def submit(tender_id: int):
    tender = _load(tender_id)
    form = ProposalForm()
    if form.validate_on_submit():
        with committing("投标文件已提交（开标前任何人都无法查看）。", form=form) as saved:
            try:
                uploads = files.read_uploads(form.files.data)
            except files.FileRefused as exc:
                raise services.TenderError(exc.message, field="files") from None
            services.submit(current_user._get_current_object(), tender.id, form.price.fen, form.body.data, uploads)
        if saved.ok:
            return redirect(url_for("tenders.show", tender_id=tender.id))
        status = saved.error.status
    else:
        flash_errors(form)
        status = 400
    db.session.expire_all()
    return _render(db.session.get(Tender, tender_id), status, form)


@bp.route("/<int:tender_id>/files/<int:document_id>")
@permission_required(LOGGED_IN)
def download(tender_id: int, document_id: int):
    """A proposal's file: its own organisation any time, the tender's owner after the opening."""
    tender = _load(tender_id)
    file = db.get_or_404(TenderFile, document_id)
    proposal = db.session.get(TenderProposal, file.proposal_id)
    if proposal.tender_id != tender.id or proposal not in services.proposals_readable_by(current_user, tender):
        abort(404)
    response = send_file(services.file_path(file), mimetype=file.content_type, as_attachment=True,
                         download_name=file.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:tender_id>/proposals/<int:proposal_id>/score", methods=["POST"])
@permission_required("tender.manage")
def score(tender_id: int, proposal_id: int):
    tender = _load(tender_id)
    proposal = db.get_or_404(TenderProposal, proposal_id)
    if not services.is_owner(current_user, tender) or proposal.tender_id != tender.id:
        abort(404)
    form = ScoreForm()
    if form.validate_on_submit() and form.score.data is not None:
        with committing("已评分。"):
            services.score(current_user._get_current_object(), tender, proposal, form.score.data, form.note.data)
    else:
        flash_errors(form) if form.errors else flash("请填写 0 至 100 的评分。", "danger")
    return redirect(url_for("tenders.show", tender_id=tender.id) + "#proposals")


@bp.route("/<int:tender_id>/proposals/<int:proposal_id>/award", methods=["POST"])
@permission_required("tender.manage")
def award(tender_id: int, proposal_id: int):
    tender = _load(tender_id)
    proposal = db.get_or_404(TenderProposal, proposal_id)
    if not services.is_owner(current_user, tender) or proposal.tender_id != tender.id:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        with committing("已定标，各投标单位已收到通知。"):
            services.award(current_user._get_current_object(), tender.id, proposal_id, form.note.data)
    return redirect(url_for("tenders.show", tender_id=tender.id))


@bp.route("/<int:tender_id>/fail", methods=["POST"])
@permission_required("tender.manage")
def fail(tender_id: int):
    tender = _load(tender_id)
    if not services.is_owner(current_user, tender):
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        with committing("已处理，各投标单位已收到通知。"):
            services.fail(current_user._get_current_object(), tender.id, form.note.data)
    return redirect(url_for("tenders.show", tender_id=tender.id))


@bp.route("/<int:tender_id>/contract", methods=["POST"])
@permission_required("contract.party")
def open_contract(tender_id: int):
    tender = _load(tender_id)
    return contract_draft_answer(ContractForm(), url_for("tenders.show", tender_id=tender.id),
                                 lambda signed_on: services.open_contract(current_user._get_current_object(), tender.id,
                                                                          signed_on))

