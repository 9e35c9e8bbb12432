"""The payment page of a registered contract (/contracts/<id>/payments): the plan, the payments received with their
receipts, and — for the parties — forms to record a payment, change the plan and void a mistaken entry."""
from flask import abort, make_response, redirect, render_template, send_file, url_for
from flask_login import current_user
from wtforms.validators import ValidationError

from marketplace import files
from marketplace.contracts.views import _load as load_contract
from marketplace.payments import bp, services
from marketplace.payments.forms import PlanForm, PaymentForm, VoidForm
from marketplace.permissions import LOGGED_IN, permission_required
from marketplace.web import committing, flash_errors
from models import Contract, ContractStatus, Payment, db


def _readable(contract_id: int) -> Contract:
    contract = load_contract(contract_id)  # 404 for whoever may not see the contract
    if not services.can_read(current_user, contract):
        abort(404)
    return contract


def _plan_form(contract: Contract, formdata=None) -> PlanForm:
    form = PlanForm(formdata=formdata)
    if formdata is None:
        form.rows.entries.clear()
        form.rows.last_index = -1
        for milestone in contract.milestones:
            form.rows.append_entry({"title": milestone.title, "due_on": milestone.due_on.isoformat(),
                                    "amount": f"{milestone.amount_fen // 100}.{milestone.amount_fen % 100:02d}"})
        while len(form.rows.entries) < min(len(contract.milestones) + 2, services.MAX_MILESTONES):
            form.rows.append_entry()
    return form


def _render(contract: Contract, status: int = 200, payment_form: PaymentForm | None = None,
            plan_form: PlanForm | None = None):
    writable = services.is_party(current_user, contract) and contract.status == ContractStatus.REGISTERED
    response = make_response(render_template(
        "payments/show.html", contract=contract, summary=services.summary(contract), writable=writable,
        paid_by_milestone=services.paid_by_milestone(contract),
        payment_form=payment_form or PaymentForm(formdata=None, milestones=contract.milestones,
                                                 paid_on=services.site_today().isoformat()),
        plan_form=plan_form or _plan_form(contract), void_form=VoidForm(formdata=None),
        may_void=lambda p: p.voided_at is None and services.may_void(current_user, p)), status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:contract_id>/payments")
@permission_required(LOGGED_IN)
def show(contract_id: int):
    """The plan and the payments: the parties and the registrar of the contract's region."""
    return _render(_readable(contract_id))


def _after_refusal(contract_id: int, saved, **forms):
    db.session.expire_all()
    return _render(db.session.get(Contract, contract_id), saved.error.status if saved.error else 400, **forms)


@bp.route("/<int:contract_id>/payments", methods=["POST"])
@permission_required("payment.record")
def record(contract_id: int):
    """Record one payment received, with its PDF receipt (a resubmitted form records it once)."""
    contract = _readable(contract_id)
    form = PaymentForm(milestones=contract.milestones)
    saved = committing("到账已登记。", form=form)
    if form.validate_on_submit():
        with saved:
            try:
                milestone_id = form.milestone_id()
            except ValidationError as exc:
                raise services.PaymentError(str(exc), field="milestone") from None
            storage = form.receipt.data
            receipt = files.Upload(storage.filename or "", storage.read(services.RECEIPT_MAX_BYTES + 1)) \
                if storage is not None and getattr(storage, "filename", "") else None
            services.record_payment(current_user._get_current_object(), contract.id, form.amount.fen,
                                    form.paid_on_date, receipt, form.reference.data, milestone_id,
                                    form.request_key.data or None)
        if saved.ok:
            return redirect(url_for("payments.show", contract_id=contract.id) + "#payments")
    else:
        flash_errors(form)
    return _after_refusal(contract.id, saved, payment_form=form)


@bp.route("/<int:contract_id>/payments/plan", methods=["POST"])
@permission_required("payment.record")
def plan(contract_id: int):
    """Replace the payment plan (empty rows are left out; all rows empty clears it)."""
    contract = _readable(contract_id)
    form = PlanForm()
    saved = committing("付款计划已保存。", form=form)
    if form.validate_on_submit():
        with saved:
            try:
                rows = [(row.form.title.data, row.form.due_on.data, row.form.amount_fen()) for row in form.rows]
            except ValidationError as exc:
                raise services.PaymentError(str(exc), field="milestones") from None
            services.set_plan(current_user._get_current_object(), contract.id, services.parse_plan(rows))
        if saved.ok:
            return redirect(url_for("payments.show", contract_id=contract.id) + "#plan")
    else:
        flash_errors(form)
    return _after_refusal(contract.id, saved, plan_form=form)


@bp.route("/<int:contract_id>/payments/<int:payment_id>/void", methods=["POST"])
@permission_required("payment.record")
def void(contract_id: int, payment_id: int):
    """Void a mistaken entry of one's own organisation, with the reason (it stays on record)."""
    contract = _readable(contract_id)
    form = VoidForm()
    if form.validate_on_submit():
        with committing("该笔到账已作废。") as saved:
            services.void_payment(current_user._get_current_object(), contract.id, payment_id, form.reason.data)
        if not saved.ok and saved.error.status == 404:
            abort(404)
    else:
        flash_errors(form)
    return redirect(url_for("payments.show", contract_id=contract.id) + "#payments")


@bp.route("/<int:contract_id>/payments/<int:payment_id>/receipt")
@permission_required(LOGGED_IN)
def receipt(contract_id: int, payment_id: int):
    """A payment's receipt, always as a download: whoever may read the payment page."""
    contract = _readable(contract_id)
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.contract_id != contract.id:
        abort(404)
    response = send_file(services.receipt_path(payment), mimetype="application/pdf", as_attachment=True,
                         download_name=payment.receipt_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response
