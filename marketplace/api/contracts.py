"""JSON API: file, edit, list and move technology contracts, with the site's rules.

Same form (ContractForm), services and checks as marketplace/contracts/views.py;
every step goes through the registration workflow and is kept in its history.
"""
from flask import jsonify, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from marketplace.api import bp
from marketplace.api.inputs import Body, check_body, flatten, read_args, register_body, text_param
from marketplace.api.pagination import PAGING, paged_json
from marketplace.api.payload import (
    ApiError, Key, check_form, current_input, formdata, idempotency_key, invalid, read_json_object, rule_conflict,
    take_flag,
)
from marketplace.api.serializers import contract_json
from marketplace.contracts import services
from marketplace.contracts.forms import SIGNING_DATES, TERM_DATES, ContractForm, DecisionForm
from marketplace.contracts.workflow import ACTIONS
from marketplace.permissions import LOGGED_IN, can_view_contract, has, permission_required
from models import CONTRACT_STATUS_LABELS, Contract, ContractEvent, db
from models.contract import DEDUCTION_KINDS, REFUSAL_REASONS

NO_CSRF = {"csrf": False}  # bearer tokens, not cookies: there is no cross-site request to forge
CONTENT_KEYS = {
    "contract_type": Key("contract_type", required=True),
    "subtype": Key("subtype", description="子类型：技术开发合同须为委托开发或合作开发，其他类型按其子类（否则 409）"),
    "title": Key("title"), "contract_no": Key("contract_no"), "tech_field": Key("tech_field", required=True),
    "ip_types": Key("ip_types", "list", description="涉及知识产权；“无”不能与其他类型同时选择（否则 409）"),
    "signed_on": Key("signed_on", "date", required=True, dates=SIGNING_DATES),
    "valid_from": Key("valid_from", "date", dates=TERM_DATES),
    "valid_until": Key("valid_until", "date", dates=TERM_DATES,
                       description="有效期至；不早于有效期自（否则 409）"),
    "contract_amount": Key("contract_amount", "yuan", required=True),
    **{f"deductions.{kind}": Key(f"deduct_{kind}", "yuan",
                                 description=f"扣除的{label}；空或 null 为 0，各项合计不超过合同成交额（否则 409）")
       for kind, label in DEDUCTION_KINDS},
}
PARTY_KEYS = {"seller_name": Key("seller_name", description="卖方单位全称：经纪人代为申报时必填，须为平台已注册的单位"
                                                            "（否则 409）；本单位申报可省略"),
              "buyer_name": Key("buyer_name"), "buyer_type": Key("buyer_type", required=True),
              "buyer_region": Key("buyer_region", "region", required=True)}
FILING_KEYS = {**CONTENT_KEYS, **PARTY_KEYS}
DECISION_KEYS = {"action": Key("action", required=True, enum=tuple(ACTIONS)),
                 "comment": Key("comment", description="说明；退回补正、撤销时必填（否则 409）"),
                 "refusal_reason": Key("refusal_reason", description="不予登记的法定理由；action 为 refuse 时必填（否则 409）")}
IDEMPOTENCY_BODY = {"type": "string", "pattern": r"^[A-Za-z0-9_.:\-]{1,64}$",
                    "description": "同 Idempotency-Key 请求头；重试时带同一个键只会得到同一份合同"}
register_body("ContractInput", Body(ContractForm, FILING_KEYS, extra={
    "idempotency_key": IDEMPOTENCY_BODY, "submit": {"type": "boolean", "description": "true：创建后立即提交申报（file）"}}))
register_body("ContractPatch", Body(ContractForm, CONTENT_KEYS, patch=True))
register_body("ContractAction", Body(DecisionForm, DECISION_KEYS))
STATUS = text_param("status", "合同状态", enum=CONTRACT_STATUS_LABELS, code="bad_filter",
                    message=f"未知的合同状态，可用：{', '.join(CONTRACT_STATUS_LABELS)}。")


def _contract_form(keys: dict, base=None, form_class=ContractForm):
    """Builds the form a body feeds (for check_body to explain a refusal in the form's words)."""
    return lambda flat: form_class(formdata=formdata(flat, keys, base), meta=NO_CSRF)


def _visible(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not can_view_contract(current_user, contract):
        raise ApiError(404, "not_found", "未找到该合同。")
    return contract


def _was_just_created(contract: Contract) -> bool:
    # create_contract returns the existing row when a concurrent request with the same key won;
    # only a contract created in this request has its "create" history row still pending.
    return any(isinstance(obj, ContractEvent) and obj.contract_id == contract.id for obj in db.session.new)


def _replay(contract: Contract, user):
    """A retried filing: the first request's contract, if it was this user's (else 409, see services.replay)."""
    return jsonify(contract_json(services.replay(contract, user), with_events=True)), 200


@bp.route("/contracts", methods=["POST"])
@permission_required("contract.file")
def file_contract():
    """Create a contract draft as the seller side or its broker; `"submit": true` also files it (提交申报)."""
    user = current_user
    body = read_json_object()
    check_body("ContractInput", body, explain=_contract_form(FILING_KEYS))
    key = idempotency_key(body)
    if key and (existing := services.find_by_key(key)) is not None:
        return _replay(existing, user)
    submit = take_flag(body, "submit")
    data = formdata(flatten(body, FILING_KEYS), FILING_KEYS)
    if key:
        data["idempotency_key"] = key
    form = ContractForm(formdata=data, meta=NO_CSRF)
    check_form(form, FILING_KEYS)
    seller, buyer = services.resolve_parties(user, form.seller_name.data, form.buyer_name.data)
    amount, deductions = form.amounts()
    contract = services.create_contract(seller, buyer, user, form.contract_data(), amount, deductions,
                                        form.idempotency_key.data, form.buyer_details(),
                                        broker=user if has(user, "contract.broker") else None)
    if not _was_just_created(contract):
        db.session.rollback()
        return _replay(contract, user)
    if submit:
        services.transition(contract, "file", user)
    db.session.commit()
    location = url_for("api.contract", contract_id=contract.id)
    return jsonify(contract_json(contract, with_events=True)), 201, {"Location": location}


@bp.route("/contracts")
@permission_required(LOGGED_IN)
def contracts():
    """The contracts the token's user works on (as on the site's list), newest change first."""
    status = read_args([STATUS, *PAGING])["status"]
    # Each item names its broker: loaded in the page's query, not one query per broker.
    stmt = services.contracts_select(current_user, status).options(joinedload(Contract.broker))
    return jsonify(paged_json(stmt, contract_json))


@bp.route("/contracts/<id:contract_id>")
@permission_required(LOGGED_IN)
def contract(contract_id: int):
    """One contract with its history, for those the site lets see it."""
    return jsonify(contract_json(_visible(contract_id), with_events=True))


@bp.route("/contracts/<id:contract_id>", methods=["PATCH"])
@permission_required(LOGGED_IN)
def update_contract(contract_id: int):
    """Edit a draft or a contract returned for correction (seller side only; the parties stay)."""
    contract, user = _visible(contract_id), current_user
    if not services.is_seller_side(user, contract):
        raise ApiError(403, "forbidden", "只有卖方单位或其经纪人可以修改合同。")
    raw = read_json_object()
    fixed = [name for name in raw if name in PARTY_KEYS or name == "idempotency_key"]
    if fixed:
        raise invalid({name: ["合同双方在创建时确定，不能修改。"] for name in fixed})
    shown = ContractForm(formdata=None, obj=contract, meta=NO_CSRF)
    shown.fill_from(contract)
    current = current_input(shown)
    check_body("ContractPatch", raw, explain=_contract_form(CONTENT_KEYS, current))
    form = ContractForm(formdata=formdata(flatten(raw, CONTENT_KEYS), CONTENT_KEYS, current), meta=NO_CSRF)
    check_form(form, CONTENT_KEYS)
    services.update_draft(contract, user, form.contract_data(), *form.amounts())
    db.session.commit()
    return jsonify(contract_json(contract, with_events=True))


@bp.route("/contracts/<id:contract_id>/actions", methods=["POST"])
@permission_required(LOGGED_IN)
def contract_action(contract_id: int):
    """One registration step: file / withdraw (seller side); accept, return, register … (registrar)."""
    contract, user = _visible(contract_id), current_user
    body = read_json_object()
    check_body("ContractAction", body, explain=_contract_form(DECISION_KEYS, form_class=DecisionForm))
    form = DecisionForm(formdata=formdata(body, DECISION_KEYS), meta=NO_CSRF)
    action = ACTIONS[form.action.data]
    if not services.parties_of(user, contract) & set(action.parties):
        raise ApiError(403, "forbidden", f"您无权执行该操作：{action.label}。")
    check_form(form, DECISION_KEYS)
    reason = form.refusal_reason.data if action.name == "refuse" else form.comment.data
    if action.name == "refuse" and reason not in REFUSAL_REASONS:
        raise rule_conflict({"refusal_reason": [f"不予登记须选择法定理由之一：{'、'.join(REFUSAL_REASONS)}。"]})
    if action.reason_required and not reason:
        raise rule_conflict({"comment": [f"{action.label}必须填写原因。"]})
    services.transition(contract, action.name, user, reason)
    db.session.commit()
    return jsonify(contract_json(contract, with_events=True))
