"""JSON API: list, create, edit and move results and needs through their life cycle.

Same forms, services and permission checks as the site's listing pages
(marketplace/listings/views.py); every change is recorded by the workflow.
"""
from flask import jsonify, request, url_for
from flask_login import current_user

import search_index

from marketplace import page_cache
from marketplace.api import bp
from marketplace.api.pagination import paged_json
from marketplace.api.payload import (
    ApiError, Key, check_form, current_input, formdata, invalid, read_json_object, take_flag,
)
from marketplace.api.serializers import listing_json
from marketplace.http_cache import browse_fingerprint, conditional
from marketplace.listings import services
from marketplace.listings.forms import ActionForm, NeedForm, ResultForm
from marketplace.listings.services import LISTING_MODELS
from marketplace.listings.views import BUTTON_ACTIONS
from marketplace.listings.workflow import ACTIONS, OWNER
from marketplace.permissions import (
    LOGGED_IN, can_edit_listing, can_review_listing, can_view_listing, permission_required,
)
from models import db

FORMS = {"result": ResultForm, "need": NeedForm}
KIND_PATHS = {"result": "results", "need": "needs"}
KIND_LABELS = {"result": "成果", "need": "需求"}
NO_CSRF = {"csrf": False}  # bearer tokens, not cookies: there is no cross-site request to forge

COMMON_KEYS = {
    "title": Key("title"), "field": Key("field"), "keywords": Key("keywords", "keywords"),
    "region_code": Key("region_code"), "contact_name": Key("contact_name"), "contact_phone": Key("contact_phone"),
}
KEYS = {
    "result": {**COMMON_KEYS, "summary": Key("summary"), "maturity": Key("maturity"), "trl": Key("trl", "int"),
               "ip_types": Key("ip_types", "list"), "ip_numbers": Key("ip_numbers"),
               "transfer_modes": Key("transfer_modes", "list"), "price": Key("price", "yuan_as_wan", "价格")},
    "need": {**COMMON_KEYS, "description": Key("description"), "budget": Key("budget", "yuan_as_wan", "预算"),
             "deadline": Key("deadline"), "cooperation_modes": Key("cooperation_modes", "list"),
             "bounty": Key("is_bounty", "flag"), "bounty_amount": Key("bounty", "yuan_as_wan", "榜额"),
             "bounty_goals": Key("bounty_goals"), "bounty_conditions": Key("bounty_conditions")},
}
ACTION_KEYS = {"action": Key("action"), "comment": Key("comment"), "version": Key("version")}


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
    filters = search_index.parse_filters(kind, request.args)
    if filters.errors:  # the browse page would drop the value and say so; same message here
        raise ApiError(400, "bad_filter", filters.errors[0])
    return jsonify(paged_json(search_index.select_listings(filters), listing_json))


@permission_required("listing.create")
def create_listing(kind: str):
    """Create a draft for the token user's organisation; `"submit": true` sends it for review."""
    user = current_user
    if user.organisation is None:
        raise ApiError(403, "forbidden", "您的账号未关联单位，不能发布。")
    body = read_json_object()
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
    submit = take_flag(body, "submit")
    if not body and not submit:
        raise invalid({"body": ["没有要修改的字段。"]})
    extra = {"current_deadline": listing.deadline} if kind == "need" else {}
    shown = FORMS[kind](formdata=None, obj=listing, meta=NO_CSRF, **extra)
    shown.fill_from(listing)
    form = FORMS[kind](formdata=formdata(body, KEYS[kind], current_input(shown)), meta=NO_CSRF, **extra)
    check_form(form, KEYS[kind])
    services.update_listing(listing, user, form.model_data(), submit=submit)
    db.session.commit()
    return jsonify(listing_json(listing))


@permission_required(LOGGED_IN)
def listing_action(kind: str, **path):
    """One life-cycle step (submit, recall, withdraw; approve, return, take_down for reviewers)."""
    listing, user = visible_listing(kind, path[f"{kind}_id"]), current_user
    form = ActionForm(formdata=formdata(read_json_object(), ACTION_KEYS), meta=NO_CSRF)
    if form.action.data not in BUTTON_ACTIONS:
        raise invalid({"action": [f"未知操作，可用：{', '.join(sorted(BUTTON_ACTIONS))}。"]})
    action = ACTIONS[form.action.data]
    allowed = can_edit_listing if OWNER in action.parties else can_review_listing
    if not allowed(user, listing):
        raise ApiError(403, "forbidden", f"您无权执行该操作：{action.label}。")
    check_form(form, ACTION_KEYS)
    if action.reason_required and not form.comment.data:
        raise invalid({"comment": [f"{action.label}必须填写原因。"]})
    services.transition(listing, action.name, user, form.comment.data, version=form.version.data or None)
    db.session.commit()
    return jsonify(listing_json(listing))


# Path variables are result_id / need_id, as in GET /results/<result_id> and /needs/<need_id>.
for _kind, _path in KIND_PATHS.items():
    bp.add_url_rule(f"/{_path}", f"{_kind}_list", list_listings, defaults={"kind": _kind})
    bp.add_url_rule(f"/{_path}", f"{_kind}_create", create_listing, methods=["POST"], defaults={"kind": _kind})
    bp.add_url_rule(f"/{_path}/<int:{_kind}_id>", _kind, get_listing, defaults={"kind": _kind})
    bp.add_url_rule(f"/{_path}/<int:{_kind}_id>", f"{_kind}_update", update_listing, methods=["PATCH"],
                    defaults={"kind": _kind})
    bp.add_url_rule(f"/{_path}/<int:{_kind}_id>/actions", f"{_kind}_action", listing_action, methods=["POST"],
                    defaults={"kind": _kind})
