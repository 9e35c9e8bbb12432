"""JSON API v1."""
from flask import jsonify

from marketplace.api import bp
from marketplace.extensions import csrf

csrf.exempt(bp)


@bp.route("/")
def root():
    """API index."""
    return jsonify({"name": "技术市场 API", "version": 1})
