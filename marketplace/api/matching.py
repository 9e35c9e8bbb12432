"""JSON API: ranked result suggestions for a need, with scores and reasons."""
from flask import jsonify
from flask_login import current_user

from marketplace.api import bp
from marketplace.api.inputs import int_param, read_args
from marketplace.errors import error_response
from marketplace.matching import engine
from marketplace.permissions import LOGGED_IN, can_see_suggestions, can_view_listing, permission_required
from models import TechNeed, db

DEFAULT_LIMIT = 10
LIMIT = int_param("limit", f"条数，1–{engine.MAX_LIMIT}", 1, engine.MAX_LIMIT, DEFAULT_LIMIT, code="bad_limit")


@bp.route("/needs/<id:need_id>/matches")
@permission_required(LOGGED_IN)
def need_matches(need_id):
    """Best-first published results for a need: brokers, officials and the need's own organisation."""
    user = current_user
    need = db.session.get(TechNeed, need_id)
    if need is None or not can_view_listing(user, need):
        return error_response(404, "未找到该需求。", "not_found")
    if not can_see_suggestions(user, need):
        return error_response(403, "只有经纪人、登记机构和需求发布单位可以查看匹配结果。", "forbidden")
    limit = read_args([LIMIT])["limit"] or DEFAULT_LIMIT
    suggestions = engine.suggest_results(need, limit)
    return jsonify({"items": [engine.describe(s) for s in suggestions]})
