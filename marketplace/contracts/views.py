"""Contract filing, registration decisions and the registration certificate."""
import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from marketplace.contracts import amendments, bp, services
from marketplace.contracts.certificate import certificate_for
from marketplace.contracts.certificate_pdf import render_pdf
from marketplace.contracts.deadlines import WorkCalendar, filing_day
from marketplace.contracts.forms import AttachmentForm, ContractForm, DecisionForm, RemoveAttachmentForm
from marketplace.contracts.workflow import EVENT_LABELS, REGISTRAR, SELLER, actions_from
from marketplace.http_cache import PRIVATE_DEFAULT
from marketplace.permissions import LOGGED_IN, can_view_contract, has, permission_required
from marketplace.qr import qr_svg
from marketplace.web import committing
from models import CONTRACT_STATUS_LABELS, Contract, ContractAttachment, ContractStatus, db


def _load(contract_id: int) -> Contract:
    contract = db.get_or_404(Contract, contract_id)
    if not can_view_contract(current_user, contract):
        abort(404)
    return contract


@bp.route("/")
@permission_required(LOGGED_IN)
def index():
    """Contracts of my organisation, my brokered deals, or my office's queue."""
    status = request.args.get("status") or None
    if status not in CONTRACT_STATUS_LABELS:
        status = None
    contracts = services.contracts_for(current_user, status)
    overdue = services.overdue(current_user) if has(current_user, "contract.register") else []
    return render_template("contracts/index.html", contracts=contracts, overdue=overdue, status=status,
                           labels=CONTRACT_STATUS_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("contract.file")
def create():
    """File a new contract draft (seller side or its broker)."""
    form = ContractForm()
    if form.validate_on_submit():
        with committing("合同草稿已保存，请核对后提交申报。") as saved:
            seller, buyer = services.resolve_parties(current_user, form.seller_name.data, form.buyer_name.data)
            amount, deductions = form.amounts()
            contract = services.create_contract(seller, buyer, current_user, form.contract_data(), amount, deductions,
                                                form.idempotency_key.data, form.buyer_details(),
                                                broker=current_user if has(current_user, "contract.broker") else None)
        if saved.ok:
            return redirect(url_for("contracts.detail", contract_id=contract.id))
    return render_template("contracts/form.html", form=form, contract=None)


@bp.route("/<int:contract_id>/edit", methods=["GET", "POST"])
@permission_required(LOGGED_IN)
def edit(contract_id):
    """Edit a draft or a contract returned for correction."""
    contract = _load(contract_id)
    if not services.is_seller_side(current_user, contract):
        abort(403)
    form = ContractForm(obj=contract)
    if request.method == "GET":
        form.fill_from(contract)
    elif form.validate_on_submit():
        with committing("合同已修改。") as saved:
            services.update_draft(contract, current_user, form.contract_data(), *form.amounts())
        if saved.ok:
            return redirect(url_for("contracts.detail", contract_id=contract.id))
    return render_template("contracts/form.html", form=form, contract=contract)


@bp.route("/<int:contract_id>")
@permission_required(LOGGED_IN)
def detail(contract_id):
    """A contract with its amounts, attachments, history and the allowed steps."""
    contract = _load(contract_id)
    parties = services.parties_of(current_user, contract)
    awaiting = services.needs_seller_confirmation(contract)
    # 变更登记 is applied for with the new content (contracts.amend), not taken as a bare step.
    actions = [a for a in actions_from(contract.status, parties)
               if (a.name != "confirm" or awaiting) and a.name != "amend"]
    amendment_actions = {a.id: amendments.actions_for(current_user, a) for a in contract.amendments if a.is_open}
    provisional = bool(contract.due_on and contract.submitted_at and WorkCalendar.load().provisional(
        filing_day(contract.submitted_at), contract.due_on))
    return render_template("contracts/detail.html", contract=contract, actions=actions, form=DecisionForm(),
                           upload_form=AttachmentForm(), remove_form=RemoveAttachmentForm(),
                           can_edit=SELLER in parties, awaiting_confirmation=awaiting, event_labels=EVENT_LABELS,
                           can_amend=bool(parties & {SELLER, REGISTRAR}), open_amendment=bool(amendment_actions),
                           amendment_actions=amendment_actions, amendment_labels=amendments.FIELD_LABELS,
                           amendment_value=amendments.shown_value, provisional_deadline=provisional,
                           trade=contract.trade)


@bp.route("/<int:contract_id>/action", methods=["POST"])
@permission_required(LOGGED_IN)
def action(contract_id):
    """Apply one workflow step (file, accept, return, register, refuse, amend, cancel …)."""
    contract = _load(contract_id)
    form = DecisionForm()
    if form.validate_on_submit():
        reason = form.refusal_reason.data if form.action.data == "refuse" else form.comment.data
        with committing() as outcome:
            services.transition(contract, form.action.data, current_user, reason)
            outcome.success = f"操作成功，合同状态：{contract.status_label}。"
    else:
        flash("请求无效，请重试。", "danger")
    return redirect(url_for("contracts.detail", contract_id=contract.id))


@bp.route("/<int:contract_id>/attachments", methods=["POST"])
@permission_required(LOGGED_IN)
def upload(contract_id):
    """Attach the signed contract as a PDF."""
    contract = _load(contract_id)
    form = AttachmentForm()
    upload_file = form.document.data if form.validate_on_submit() else None
    if upload_file is None or not getattr(upload_file, "filename", ""):
        flash("请选择要上传的 PDF 文件。", "danger")
        return redirect(url_for("contracts.detail", contract_id=contract.id))
    with committing("附件已上传。"):
        services.attach_pdf(contract, current_user, upload_file.filename, upload_file.read())
    return redirect(url_for("contracts.detail", contract_id=contract.id))


@bp.route("/<int:contract_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@permission_required(LOGGED_IN)
def remove_attachment(contract_id, attachment_id):
    """Remove an attachment of a draft or a contract returned for correction."""
    contract = _load(contract_id)
    attachment = db.get_or_404(ContractAttachment, attachment_id)
    if not RemoveAttachmentForm().validate_on_submit():
        flash("请求无效，请重试。", "danger")
    else:
        with committing("附件已删除。"):
            services.remove_attachment(contract, attachment, current_user)
    return redirect(url_for("contracts.detail", contract_id=contract.id))


@bp.route("/<int:contract_id>/attachments/<int:attachment_id>")
@permission_required(LOGGED_IN)
def download(contract_id, attachment_id):
    """Download an attachment of a contract one may see."""
    contract = _load(contract_id)
    attachment = db.get_or_404(ContractAttachment, attachment_id)
    if attachment.contract_id != contract.id:
        abort(404)
    return send_file(services.attachment_path(attachment), mimetype="application/pdf",
                     as_attachment=True, download_name=attachment.filename)


def _registered(contract_id: int) -> Contract:
    """A registered contract one may see; cancelled ones have no certificate (the verification page says so)."""
    contract = _load(contract_id)
    if contract.status != ContractStatus.REGISTERED:
        abort(404)
    return contract


@bp.route("/<int:contract_id>/certificate")
@permission_required(LOGGED_IN)
def certificate(contract_id):
    """Printable registration certificate (登记证明) of a registered contract."""
    cert = certificate_for(_registered(contract_id))
    return render_template("contracts/certificate.html", cert=cert, contract=cert.contract,
                           qr=qr_svg(cert.verify_url, "登记证明核验二维码"))


@bp.route("/<int:contract_id>/certificate.pdf")
@permission_required(LOGGED_IN)
def certificate_pdf(contract_id):
    """The registration certificate as a PDF download."""
    cert = certificate_for(_registered(contract_id))
    response = send_file(io.BytesIO(render_pdf(cert)), mimetype="application/pdf", as_attachment=True,
                         download_name=f"登记证明-{cert.contract.registration_no}.pdf")
    response.headers["Cache-Control"] = PRIVATE_DEFAULT  # amounts: no shared or stored copy
    return response
