"""JSON API v1: index, the OpenAPI document and the token's user."""
from flask import jsonify, url_for

from marketplace.api import bp
from marketplace.api.auth import token_required, token_user
from marketplace.api.openapi import build_spec
from marketplace.extensions import csrf

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
@token_required()
def me():
    """Who the bearer token belongs to."""
    user = token_user()
    return jsonify({"username": user.username, "role": user.role,
                    "organisation": user.organisation.name if user.organisation else None})
