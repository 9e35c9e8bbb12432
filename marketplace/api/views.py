"""JSON API v1: index, the OpenAPI document and the token's user."""
from flask import jsonify, url_for
from flask_login import current_user

from marketplace.api import bp
from marketplace.api.openapi import build_spec
from marketplace.extensions import csrf
from marketplace.permissions import LOGGED_IN, permission_required

csrf.exempt(bp)


@bp.route("/")
def root():
    """API index."""
    return jsonify({"name": "技术市场 API", "version": 1, "openapi": url_for("api.openapi")})


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of every call under /api/v1."""
    return jsonify(build_spec())


@bp.route("/me")
@permission_required(LOGGED_IN)
def me():
    """Who the bearer token belongs to."""
    return jsonify({"username": current_user.username, "role": current_user.role,
                    "organisation": current_user.organisation.name if current_user.organisation else None})
