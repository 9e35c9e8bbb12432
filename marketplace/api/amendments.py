"""JSON API: 变更登记 — apply to change a registered contract, and review the application.

The same form (AmendmentForm), service and review rules as the site's amendment page.
"""
from flask import jsonify, url_for
from flask_login import current_user

from marketplace.api import bp
from marketplace.api.contracts import CONTENT_KEYS, NO_CSRF, PARTY_KEYS, _contract_form, _visible
from marketplace.api.inputs import Body, check_body, flatten, register_body
from marketplace.api.payload import (
    ApiError, Key, check_form, current_input, formdata, invalid, read_json_object, rule_conflict,
)
from marketplace.api.serializers import amendment_json, contract_json
from marketplace.contracts import amendments
from marketplace.contracts.forms import AmendmentForm, DecisionForm
from marketplace.permissions import LOGGED_IN, has, permission_required
from models import ContractAmendment, db

AMENDMENT_KEYS = {**CONTENT_KEYS, **{name: PARTY_KEYS[name] for name in ("buyer_name", "buyer_type", "buyer_region")},
                  "reason": Key("reason", description="变更理由")}
DECISION_KEYS = {"action": Key("action", required=True, enum=tuple(amendments.ACTIONS)),
                 "comment": Key("comment", description="说明；refuse 时必填（否则 409）")}
register_body("AmendmentInput", Body(AmendmentForm, AMENDMENT_KEYS, patch=True, min_properties=2, always=("reason",),
                                     description="要变更的字段（同合同申报）和 reason；卖方不能变更"))
register_body("AmendmentAction", Body(DecisionForm, DECISION_KEYS))


@bp.route("/contracts/<id:contract_id>/amendments", methods=["POST"])
@permission_required(LOGGED_IN)
def contract_amend(contract_id: int):
    """Apply for 变更登记: the fields that change (as in a filing) and a reason; the seller stays."""
    contract, user = _visible(contract_id), current_user
    raw = read_json_object()
    if "seller_name" in raw:
        raise invalid({"seller_name": ["卖方不能变更：卖方变更须撤销后重新登记。"]})
    shown = AmendmentForm(formdata=None, obj=contract, meta=NO_CSRF)
    shown.fill_from(contract)
    current = current_input(shown)
    # reason and at least one field to change
    check_body("AmendmentInput", raw, explain=_contract_form(AMENDMENT_KEYS, current, AmendmentForm))
    form = AmendmentForm(formdata=formdata(flatten(raw, AMENDMENT_KEYS), AMENDMENT_KEYS, current), meta=NO_CSRF)
    check_form(form, AMENDMENT_KEYS)
    amendment = amendments.apply_for(contract, user, form.reason.data, form.contract_data(), *form.amounts(),
                                     form.buyer_details())
    db.session.commit()
    response = jsonify(contract_json(contract, with_events=True))
    response.status_code = 201
    response.headers["Location"] = url_for("api.contract", contract_id=contract.id) + f"#amendment-{amendment.id}"
    return response


@bp.route("/contracts/<id:contract_id>/amendments/<id:amendment_id>/actions", methods=["POST"])
@permission_required(LOGGED_IN)
def amendment_action(contract_id: int, amendment_id: int):
    """Review an application: first_review, approve, refuse (registrar; admin in a closed year), withdraw."""
    amendment = db.session.get(ContractAmendment, amendment_id)
    if amendment is None or amendment.contract_id != contract_id:
        raise ApiError(404, "not_found", "未找到该变更申请。")
    if not has(current_user, "year.override"):
        _visible(contract_id)
    body = read_json_object()
    check_body("AmendmentAction", body, explain=_contract_form(DECISION_KEYS, form_class=DecisionForm))
    form = DecisionForm(formdata=formdata(body, DECISION_KEYS), meta=NO_CSRF)
    action = amendments.ACTIONS[form.action.data]
    if not amendments.parties_of(current_user, amendment) & set(action.parties):
        raise ApiError(403, "forbidden", f"您无权执行该操作：{action.label}。")
    check_form(form, DECISION_KEYS)
    if action.reason_required and not form.comment.data:
        raise rule_conflict({"comment": [f"{action.label}必须填写理由。"]})
    amendments.decide(amendment, action.name, current_user, form.comment.data)
    db.session.commit()
    return jsonify(amendment_json(amendment))
