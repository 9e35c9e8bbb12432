"""API bearer tokens: issue, list, revoke. Only a SHA-256 of each token is stored.

Functions flush but never commit; the caller commits.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from marketplace.security_log import TOKEN_CREATED, TOKEN_REVOKED, record
from models import ApiToken, User, db
from models.base import utcnow

TOKEN_PREFIX = "tm_"
MAX_NAME_LENGTH = 60
# Active tokens a user may hold when creating them on the account page.
MAX_ACTIVE_TOKENS = 20


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(user: User, name: str = "", days: int | None = None) -> str:
    """Issue a bearer token for `user`, valid `days` (API_TOKEN_DAYS by default); it cannot be shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    lifetime = timedelta(days=days or current_app.config["API_TOKEN_DAYS"])
    token = ApiToken(user_id=user.id, token_hash=token_digest(raw), name=(name or "")[:MAX_NAME_LENGTH],
                     expires_at=utcnow() + lifetime)
    db.session.add(token)
    db.session.flush()
    record(TOKEN_CREATED, subject_user=user, detail=f"令牌 {token.id}：{token.name}")
    return raw


def user_tokens(user: User) -> list[ApiToken]:
    """All tokens of `user`, newest first (revoked ones included)."""
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return db.session.scalars(stmt).all()


def active_token_count(user: User) -> int:
    """Tokens of `user` that still work (neither revoked nor expired)."""
    return sum(token.revoked_at is None and not token.is_expired for token in user_tokens(user))


def revoke_token(token: ApiToken) -> bool:
    """Revoke one token; False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    record(TOKEN_REVOKED, subject_user=token.user, detail=f"令牌 {token.id}：{token.name}")
    db.session.flush()
    return True


def revoke_all(user: User) -> int:
    """Revoke every active token of `user`; returns how many were revoked."""
    return sum(revoke_token(token) for token in user_tokens(user))
