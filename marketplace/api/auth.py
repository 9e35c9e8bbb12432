"""Bearer-token authentication for the JSON API (tokens are stored as SHA-256)."""
import hashlib
from functools import wraps

from flask import g, request
from sqlalchemy import select

from marketplace.errors import error_response
from models import ApiToken, db
from models.base import utcnow


def token_user():
    """The active user behind the request's bearer token, or None."""
    if "api_user" in g:
        return g.api_user
    g.api_user = None
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() == "bearer" and raw.strip():
        digest = hashlib.sha256(raw.strip().encode()).hexdigest()
        token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest,
                                                         ApiToken.revoked_at.is_(None)))
        if token is not None and token.user.is_active:
            token.last_used_at = utcnow()
            g.api_user = token.user
    return g.api_user


def token_required(*roles: str):
    """401 without a valid token; 403 when the user's role is not in `roles` (if given)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = token_user()
            if user is None:
                return error_response(401, "需要有效的 API 令牌（Authorization: Bearer …）。", "unauthorized")
            if roles and user.role not in roles:
                return error_response(403, "该角色无权调用此接口。", "forbidden")
            return view(*args, **kwargs)

        return wrapped

    return decorator
