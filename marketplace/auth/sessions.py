"""Browser sessions kept on the server: a row per log-in, named by a random token in the cookies.

The token is part of the user's Flask-Login id ("<user id>:<token>"), so it travels in the
session cookie and in the remember-me cookie; the loader accepts it only while its row is open. Functions flush but
never commit; the caller commits.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import g
from sqlalchemy import select, update

from marketplace.database import touch
from models import User, UserSession, db
from models.base import utcnow

# last_seen_at is written at most this often per session (not on every page).
TOUCH_INTERVAL = timedelta(minutes=5)
MAX_TOKEN_LENGTH = 64


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, user_agent: str = "", remote_addr: str = "") -> UserSession:
    """Open a session for `user`; its token goes into `user.get_id()` for login_user."""
    token = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=_digest(token), session_version=user.session_version,
                      user_agent=(user_agent or "")[:120], remote_addr=(remote_addr or "")[:64])
    db.session.add(row)
    db.session.flush()
    user.session_token = token
    return row


def load_user(session_id: str) -> User | None:
    """Flask-Login loader: the user of an open session (one query, user and organisation joined)."""
    user_id, _, token = (session_id or "").partition(":")
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _digest(token)))
    if row is None or not row.is_open or str(row.user_id) != user_id:
        return None
    if utcnow() - row.last_seen_at > TOUCH_INTERVAL:
        g.user_session_to_touch = row.id
    row.user.session_token = token
    return row.user


def end_session(user: User) -> bool:
    """End the session `user` was loaded for (log-out); False when there was none."""
    if not user.session_token:
        return False
    stmt = update(UserSession).where(UserSession.token_hash == _digest(user.session_token),
                                     UserSession.ended_at.is_(None))
    result = db.session.execute(stmt.values(ended_at=utcnow()))
    user.session_token = None
    return result.rowcount > 0


def end_all_sessions(user: User) -> int:
    """End every session of `user` (log-out everywhere, new password); returns how many were open."""
    result = db.session.execute(update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)).values(ended_at=utcnow()))
    user.session_version += 1
    user.session_token = None
    db.session.flush()
    return result.rowcount


def open_sessions(user: User) -> list[UserSession]:
    """The sessions of `user` that still log in, most recently seen first."""
    stmt = select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
                                     UserSession.session_version == user.session_version)
    return list(db.session.scalars(stmt.order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def touch_session(response):
    """After the request: note when the session was last seen, in its own short transaction."""
    session_id = g.pop("user_session_to_touch", None)
    if session_id is not None:
        touch(UserSession, session_id, "last_seen_at", "session")
    return response
