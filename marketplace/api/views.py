"""JSON API v1: index, the OpenAPI document, listings by id and the token's user."""
from flask import jsonify, url_for

from marketplace.api import bp
from marketplace.api.auth import token_required, token_user
from marketplace.api.openapi import build_spec
from marketplace.api.serializers import need_json, result_json
from marketplace.errors import error_response
from marketplace.extensions import csrf
from marketplace.permissions import can_view_listing
from models import TechNeed, TechResult, db

csrf.exempt(bp)


@bp.route("/")
def root():
    """API index."""
    return jsonify({"name": "技术市场 API", "version": 1, "openapi": url_for("api.openapi")})


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of every call under /api/v1."""
    return jsonify(build_spec())


def _listing_or_error(model, listing_id: int):
    listing = db.session.get(model, listing_id)
    user = token_user()
    viewer = user if user is not None else _Anonymous()
    if listing is None or not can_view_listing(viewer, listing):
        return None, error_response(404, "未找到该条目或尚未发布。", "not_found")
    return listing, None


class _Anonymous:
    is_authenticated = False


@bp.route("/results/<int:result_id>")
def result(result_id):
    """A published result (or one the token's user may see)."""
    listing, error = _listing_or_error(TechResult, result_id)
    return error or jsonify(result_json(listing))


@bp.route("/needs/<int:need_id>")
def need(need_id):
    """A published need (or one the token's user may see)."""
    listing, error = _listing_or_error(TechNeed, need_id)
    return error or jsonify(need_json(listing))


@bp.route("/me")
@token_required()
def me():
    """Who the bearer token belongs to."""
    user = token_user()
    return jsonify({"username": user.username, "role": user.role,
                    "organisation": user.organisation.name if user.organisation else None})
