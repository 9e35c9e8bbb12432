"""Bearer-token authentication for the JSON API (tokens are stored as SHA-256)."""
from datetime import timedelta
from functools import wraps

from flask import current_app, g, request
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from marketplace.api.tokens import token_digest
from marketplace.errors import error_response
from models import ApiToken, db
from models.base import utcnow

# last_used_at is written at most this often per token (a write on every GET would cost more than it tells).
TOUCH_INTERVAL = timedelta(minutes=1)


def token_user():
    """The active user behind the request's bearer token, or None (revoked tokens and inactive users: None)."""
    if "api_user" in g:
        return g.api_user
    g.api_user = None
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() == "bearer" and raw.strip():
        token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(raw.strip()),
                                                         ApiToken.revoked_at.is_(None)))
        if token is not None and token.user.is_active:
            g.api_user = token.user
            if token.last_used_at is None or utcnow() - token.last_used_at > TOUCH_INTERVAL:
                g.api_token_to_touch = token.id
    return g.api_user


def touch_token(response):
    """After the call: note when the token was last used, in its own short transaction."""
    token_id = g.pop("api_token_to_touch", None)
    if token_id is not None:
        try:
            db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))
            db.session.commit()
        except SQLAlchemyError:  # never fail a call over bookkeeping
            db.session.rollback()
            current_app.logger.warning("could not record the use of API token %s", token_id)
    return response


def unauthorized():
    """401 with a WWW-Authenticate challenge."""
    response, status = error_response(401, "需要有效的 API 令牌（Authorization: Bearer …）。", "unauthorized")
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response, status


def token_required(*roles: str):
    """401 without a valid token; 403 when the user's role is not in `roles` (if given)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = token_user()
            if user is None:
                return unauthorized()
            if roles and user.role not in roles:
                return error_response(403, "该角色无权调用此接口。", "forbidden")
            return view(*args, **kwargs)

        return wrapped

    return decorator
