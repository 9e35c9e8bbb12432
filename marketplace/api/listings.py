"""JSON API: list, create, edit and move results and needs through their life cycle.

Same forms, services and permission checks as the site's listing pages
(marketplace/listings/views.py); every change is recorded by the workflow.
"""
from flask import jsonify, url_for
from flask_login import current_user

import search_index

from marketplace import page_cache
from marketplace.api import bp
from marketplace.api.inputs import Body, check_body, read_args, register_body, text_param
from marketplace.api.pagination import PAGING, paged_json
from marketplace.api.payload import (
    ApiError, Key, check_form, current_input, formdata, read_json_object, rule_conflict, take_flag,
)
from marketplace.api.serializers import listing_json
from marketplace.http_cache import browse_fingerprint, conditional
from marketplace.listings import services
from marketplace.listings.forms import DEADLINES, ActionForm, NeedForm, ResultForm
from marketplace.listings.services import LISTING_MODELS
from marketplace.listings.views import BUTTON_ACTIONS
from marketplace.listings.workflow import ACTIONS, OWNER
from marketplace.permissions import (
    LOGGED_IN, can_edit_listing, can_review_listing, can_view_listing, permission_required,
)
from marketplace.patterns import WAN
from models import db
from models.listing import KIND_LABELS
from models.vocab import COOPERATION_MODES, MATURITY_LEVELS, TECH_FIELDS, TRANSFER_MODES

FORMS = {"result": ResultForm, "need": NeedForm}
KIND_PATHS = {"result": "results", "need": "needs"}
NO_CSRF = {"csrf": False}  # bearer tokens, not cookies: there is no cross-site request to forge

COMMON_KEYS = {
    "title": Key("title"), "field": Key("field", required=True),
    "keywords": Key("keywords", "keywords", description="关键词，最多 5 个，每个不超过 20 字：字符串数组，"
                                                        "或用 ; ； , ， 、 分隔的一个字符串"),
    "region_code": Key("region_code", "region", required=True, description="所在地区；新建时默认为本单位所在地区"),
    "contact_name": Key("contact_name"),
    "contact_phone": Key("contact_phone", pattern=r"^[0-9+\-()][0-9+\-() ]{3,28}[0-9+\-()]$",
                         description="联系电话：5–30 个数字、空格、+、- 或括号，首尾不是空格"),
}
KEYS = {
    "result": {**COMMON_KEYS, "summary": Key("summary"), "maturity": Key("maturity", required=True),
               "trl": Key("trl", "int"), "ip_types": Key("ip_types", "list"), "ip_numbers": Key("ip_numbers"),
               "transfer_modes": Key("transfer_modes", "list", required=True),
               "price": Key("price", "yuan_as_wan", "价格", description="价格；空或 null 表示面议")},
    "need": {**COMMON_KEYS, "description": Key("description"),
             "budget": Key("budget", "yuan_as_wan", "预算", description="预算；空或 null 表示面议"),
             "deadline": Key("deadline", "date", dates=DEADLINES),
             "cooperation_modes": Key("cooperation_modes", "list", required=True),
             "bounty": Key("is_bounty", "flag", description="揭榜挂帅；为 true 时榜额（大于 0）、攻关目标、"
                                                            "揭榜条件和截止日期必填（否则 409）"),
             "bounty_amount": Key("bounty", "yuan_as_wan", "榜额"),
             "bounty_goals": Key("bounty_goals"), "bounty_conditions": Key("bounty_conditions")},
}
ACTION_KEYS = {"action": Key("action", required=True, enum=tuple(sorted(BUTTON_ACTIONS))),
               "comment": Key("comment", description="说明；退回、强制下架时必填（否则 409）"),
               "version": Key("version", description="审核人员看到的版本（GET 返回的内容不变时可省略）")}
SUBMIT = {"type": "boolean", "description": "true：保存后立即提交审核"}
MODELS = {"result": "Result", "need": "Need"}
for _kind, _model in MODELS.items():
    register_body(f"{_model}Input", Body(FORMS[_kind], KEYS[_kind], defaults=("region_code",),
                                         extra={"submit": SUBMIT}))
    register_body(f"{_model}Patch", Body(FORMS[_kind], KEYS[_kind], extra={"submit": SUBMIT}, patch=True))
register_body("ListingAction", Body(ActionForm, ACTION_KEYS))



def _filter(kind: str, name: str, description: str, **schema):
    """A browse filter: a refused value is told what the browse page would say."""
    def explain(value):
        search_index.parse_filters(kind, {name: value}).check()
    return text_param(name, description, code="bad_filter", explain=explain, **schema)


# Query parameters of the listing pages (the same filters as the browse pages).
FIELD = _filter("result", "field", "技术领域（11 个统计领域之一）", enum=TECH_FIELDS)
REGION = _filter("result", "region", "地区代码；省级代码包含其下所有城市", region=True)
FLAG = ["true", "false", "1", "0"]
KIND_FILTERS = {
    "result": [_filter("result", "maturity", "成熟度", enum=MATURITY_LEVELS),
               _filter("result", "mode", "转化方式", enum=TRANSFER_MODES),
               _filter("result", "price_min", "最低价格（万元；面议的不在其中）", pattern=WAN),
               _filter("result", "price_max", "最高价格（万元；不低于最低价格，否则 409）", pattern=WAN)],
    "need": [_filter("need", "mode", "合作方式", enum=COOPERATION_MODES),
             _filter("need", "bounty", "只看揭榜挂帅", enum=FLAG),
             _filter("need", "expired", "包含已过截止日期的需求", enum=FLAG),
             _filter("need", "budget_min", "最低预算（万元；面议的不在其中）", pattern=WAN),
             _filter("need", "budget_max", "最高预算（万元；不低于最低预算，否则 409）", pattern=WAN)],
}
LIST_PARAMS = {kind: [FIELD, REGION, *KIND_FILTERS[kind], *PAGING] for kind in KIND_FILTERS}


def _not_found(kind: str) -> ApiError:
    return ApiError(404, "not_found", f"未找到该{KIND_LABELS[kind]}或尚未发布。")


def visible_listing(kind: str, listing_id: int):
    """The listing if the caller (token user or anonymous) may see it, as on the site; else 404."""
    listing = db.session.get(LISTING_MODELS[kind], listing_id)
    if listing is None or not can_view_listing(current_user, listing):
        raise _not_found(kind)
    return listing


def _created(listing):
    location = url_for(f"api.{listing.kind}", **{f"{listing.kind}_id": listing.id})
    return jsonify(listing_json(listing)), 201, {"Location": location}


@conditional()
def get_listing(kind: str, **path):
    """A published listing, or one the token's user may see."""
    return jsonify(listing_json(visible_listing(kind, path[f"{kind}_id"])))


@conditional(browse_fingerprint)
@page_cache.public("listings")
def list_listings(kind: str):
    """Published listings, newest first, filtered like the browse pages, one page at a time."""
    given = read_args(LIST_PARAMS[kind])
    filters = search_index.parse_filters(kind, {name: value for name, value in given.items() if value is not None})
    if filters.errors:  # each value is valid (read_args): what is left is a range whose ends cross
        raise rule_conflict({"filters": filters.errors}, filters.errors[0])
    return jsonify(paged_json(search_index.select_listings(filters), listing_json))


@permission_required("listing.create")
def create_listing(kind: str):
    """Create a draft for the token user's organisation; `"submit": true` sends it for review."""
    user = current_user
    if user.organisation is None:
        raise ApiError(403, "forbidden", "您的账号未关联单位，不能发布。")
    body = read_json_object()
    check_body(f"{MODELS[kind]}Input", body,
               explain=lambda flat: FORMS[kind](formdata=formdata(flat, KEYS[kind]), meta=NO_CSRF))
    submit = take_flag(body, "submit")
    data = formdata(body, KEYS[kind])
    if "region_code" not in body:  # the site's form starts with the organisation's region
        data["region_code"] = user.organisation.region_code
    form = FORMS[kind](formdata=data, meta=NO_CSRF)
    check_form(form, KEYS[kind])
    listing = services.create_listing(kind, user.organisation, user, form.model_data(), submit=submit)
    db.session.commit()
    return _created(listing)


@permission_required(LOGGED_IN)
def update_listing(kind: str, **path):
    """Change some fields of the organisation's listing; a published one goes back to review."""
    listing, user = visible_listing(kind, path[f"{kind}_id"]), current_user
    if not can_edit_listing(user, listing):
        raise ApiError(403, "forbidden", "只有发布单位的成员可以修改。")
    body = read_json_object()
    extra = {"current_deadline": listing.deadline} if kind == "need" else {}
    shown = FORMS[kind](formdata=None, obj=listing, meta=NO_CSRF, **extra)
    shown.fill_from(listing)
    current = current_input(shown)
    check_body(f"{MODELS[kind]}Patch", body,
               explain=lambda flat: FORMS[kind](formdata=formdata(flat, KEYS[kind], current), meta=NO_CSRF, **extra))
    submit = take_flag(body, "submit")
    form = FORMS[kind](formdata=formdata(body, KEYS[kind], current), meta=NO_CSRF, **extra)
    check_form(form, KEYS[kind])
    services.update_listing(listing, user, form.model_data(), submit=submit)
    db.session.commit()
    return jsonify(listing_json(listing))


@permission_required(LOGGED_IN)
def listing_action(kind: str, **path):
    """One life-cycle step (submit, recall, withdraw; approve, return, take_down for reviewers)."""
    listing, user = visible_listing(kind, path[f"{kind}_id"]), current_user
    body = read_json_object()
    check_body("ListingAction", body, explain=lambda flat: ActionForm(formdata=formdata(flat, ACTION_KEYS), meta=NO_CSRF))
    form = ActionForm(formdata=formdata(body, ACTION_KEYS), meta=NO_CSRF)
    action = ACTIONS[form.action.data]
    allowed = can_edit_listing if OWNER in action.parties else can_review_listing
    if not allowed(user, listing):
        raise ApiError(403, "forbidden", f"您无权执行该操作：{action.label}。")
    check_form(form, ACTION_KEYS)
    if action.reason_required and not form.comment.data:
        raise rule_conflict({"comment": [f"{action.label}必须填写原因。"]})
    services.transition(listing, action.name, user, form.comment.data, version=form.version.data or None)
    db.session.commit()
    return jsonify(listing_json(listing))


# Path variables are result_id / need_id, as in GET /results/<result_id> and /needs/<need_id>.
for _kind, _path in KIND_PATHS.items():
    bp.add_url_rule(f"/{_path}", f"{_kind}_list", list_listings, defaults={"kind": _kind})
    bp.add_url_rule(f"/{_path}", f"{_kind}_create", create_listing, methods=["POST"], defaults={"kind": _kind})
    bp.add_url_rule(f"/{_path}/<id:{_kind}_id>", _kind, get_listing, defaults={"kind": _kind})
    bp.add_url_rule(f"/{_path}/<id:{_kind}_id>", f"{_kind}_update", update_listing, methods=["PATCH"],
                    defaults={"kind": _kind})
    bp.add_url_rule(f"/{_path}/<id:{_kind}_id>/actions", f"{_kind}_action", listing_action, methods=["POST"],
                    defaults={"kind": _kind})
