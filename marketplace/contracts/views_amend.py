"""变更登记 on the site: apply with the new content, then review like a filing."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.contracts import amendments, bp
from marketplace.contracts.forms import AmendmentForm, DecisionForm
from marketplace.permissions import LOGGED_IN, can_view_contract, has, is_registrar, is_seller_side, \
    permission_required
from marketplace.web import committing
from models import Contract, ContractAmendment, ContractStatus, db


@bp.route("/<int:contract_id>/amend", methods=["GET", "POST"])
@permission_required(LOGGED_IN)
def amend(contract_id):
    """Apply for 变更登记 of a registered contract (seller side or the registrar)."""
    contract = db.get_or_404(Contract, contract_id)
    if not can_view_contract(current_user, contract):
        abort(404)
    if not (is_seller_side(current_user, contract) or is_registrar(current_user, contract)):
        abort(403)
    if contract.status != ContractStatus.REGISTERED:
        flash("只有已登记的合同可以申请变更登记。", "danger")
        return redirect(url_for("contracts.detail", contract_id=contract.id))
    form = AmendmentForm(obj=contract)
    if request.method == "GET":
        form.fill_from(contract)
    elif form.validate_on_submit():
        with committing("变更申请已提交，待登记机构审核。", form=form) as saved:
            amendments.apply_for(contract, current_user, form.reason.data, form.contract_data(), *form.amounts(),
                                 form.buyer_details())
        if saved.ok:
            return redirect(url_for("contracts.detail", contract_id=contract.id))
    return render_template("contracts/amend.html", form=form, contract=contract)


@bp.route("/<int:contract_id>/amendments/<int:amendment_id>/action", methods=["POST"])
@permission_required(LOGGED_IN)
def amendment_action(contract_id, amendment_id):
    """One review step of an amendment application (approve, first review, refuse, withdraw)."""
    amendment = db.get_or_404(ContractAmendment, amendment_id)
    contract = amendment.contract
    sees_contract = can_view_contract(current_user, contract)
    if amendment.contract_id != contract_id or not (sees_contract or has(current_user, "year.override")):
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        with committing() as outcome:
            amendments.decide(amendment, form.action.data, current_user, form.comment.data)
            outcome.success = f"操作成功，变更申请状态：{amendment.status_label}。"
    else:
        flash("请求无效，请重试。", "danger")
    if has(current_user, "year.override"):  # an admin works through the closed years' list
        return redirect(url_for("contracts.closed_amendments"))
    return redirect(url_for("contracts.detail", contract_id=contract.id))
