"""JSON API: 变更登记 — apply to change a registered contract, and review the application.

The same form (AmendmentForm), service and review rules as the site's amendment page.
"""
from flask import jsonify, url_for
from flask_login import current_user

from marketplace.api import bp
from marketplace.api.contracts import NO_CSRF, CONTENT_KEYS, DECISION_KEYS, _flatten, _visible
from marketplace.api.payload import ApiError, Key, check_form, current_input, formdata, invalid, read_json_object
from marketplace.api.serializers import amendment_json, contract_json
from marketplace.contracts import amendments
from marketplace.contracts.forms import AmendmentForm, DecisionForm
from marketplace.permissions import LOGGED_IN, has, permission_required
from models import ContractAmendment, db

AMENDMENT_KEYS = {**CONTENT_KEYS, "buyer_name": Key("buyer_name"), "buyer_type": Key("buyer_type"),
                  "buyer_region": Key("buyer_region"), "reason": Key("reason")}


@bp.route("/contracts/<int:contract_id>/amendments", methods=["POST"])
@permission_required(LOGGED_IN)
def contract_amend(contract_id: int):
    """Apply for 变更登记: the fields that change (as in a filing) and a reason; the seller stays."""
    contract, user = _visible(contract_id), current_user
    body = _flatten(read_json_object())
    if "seller_name" in body:
        raise invalid({"seller_name": ["卖方不能变更：卖方变更须撤销后重新登记。"]})
    if not any(name != "reason" for name in body):
        raise invalid({"body": ["没有要变更的字段。"]})
    shown = AmendmentForm(formdata=None, obj=contract, meta=NO_CSRF)
    shown.fill_from(contract)
    form = AmendmentForm(formdata=formdata(body, AMENDMENT_KEYS, current_input(shown)), meta=NO_CSRF)
    check_form(form, AMENDMENT_KEYS)
    amendment = amendments.apply_for(contract, user, form.reason.data, form.contract_data(), *form.amounts(),
                                     form.buyer_details())
    db.session.commit()
    response = jsonify(contract_json(contract, with_events=True))
    response.status_code = 201
    response.headers["Location"] = url_for("api.contract", contract_id=contract.id) + f"#amendment-{amendment.id}"
    return response


@bp.route("/contracts/<int:contract_id>/amendments/<int:amendment_id>/actions", methods=["POST"])
@permission_required(LOGGED_IN)
def amendment_action(contract_id: int, amendment_id: int):
    """Review an application: first_review, approve, refuse (registrar; admin in a closed year), withdraw."""
    amendment = db.session.get(ContractAmendment, amendment_id)
    if amendment is None or amendment.contract_id != contract_id:
        raise ApiError(404, "not_found", "未找到该变更申请。")
    if not has(current_user, "year.override"):
        _visible(contract_id)
    form = DecisionForm(formdata=formdata(read_json_object(), DECISION_KEYS), meta=NO_CSRF)
    action = amendments.ACTIONS.get(form.action.data or "")
    if action is None:
        raise invalid({"action": [f"未知操作，可用：{', '.join(amendments.ACTIONS)}。"]})
    if not amendments.parties_of(current_user, amendment) & set(action.parties):
        raise ApiError(403, "forbidden", f"您无权执行该操作：{action.label}。")
    check_form(form, DECISION_KEYS)
    if action.reason_required and not form.comment.data:
        raise invalid({"comment": [f"{action.label}必须填写理由。"]})
    amendments.decide(amendment, action.name, current_user, form.comment.data)
    db.session.commit()
    return jsonify(amendment_json(amendment))
