"""Bearer-token authentication for the JSON API (tokens are stored as SHA-256)."""
from datetime import timedelta

from flask import g
from sqlalchemy import select

from marketplace.api.tokens import token_digest
from marketplace.database import touch
from marketplace.extensions import is_api_request
from models import ApiToken, db
from models.base import utcnow

# last_used_at is written at most this often per token (a write on every GET would cost more than it tells).
TOUCH_INTERVAL = timedelta(minutes=1)


def load_token_user(request):
    """Flask-Login request loader: the active user behind an API call's bearer token, or None.

    Revoked or expired tokens and inactive users give None; site pages never read the header.
    """
    if not is_api_request():
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(raw.strip()),
                                                     ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow()))
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or utcnow() - token.last_used_at > TOUCH_INTERVAL:
        g.api_token_to_touch = token.id
    return token.user


def touch_token(response):
    """After the call: note when the token was last used, in its own short transaction."""
    token_id = g.pop("api_token_to_touch", None)
    if token_id is not None:
        touch(ApiToken, token_id, "last_used_at", "API token")
    return response
