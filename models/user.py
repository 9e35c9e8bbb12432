"""Accounts, log-in attempts, browser sessions and API tokens."""
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import utcnow


class Role(StrEnum):
    """A user's role; the stored value is the lower-case name."""

    INSTITUTE = "institute"
    ENTERPRISE = "enterprise"
    BROKER = "broker"
    OFFICIAL = "official"
    ADMIN = "admin"


ROLES = tuple(Role)
ROLE_LABELS = {
    Role.INSTITUTE: "科研机构/高校",
    Role.ENTERPRISE: "企业",
    Role.BROKER: "技术经纪人",
    Role.OFFICIAL: "登记机构/科技局",
    Role.ADMIN: "平台管理员",
}
# Roles whose members publish listings on behalf of their organisation.
PUBLISHER_ROLES = (Role.INSTITUTE, Role.ENTERPRISE)
REVIEWER_ROLES = (Role.OFFICIAL, Role.ADMIN)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('institute', 'enterprise', 'broker', 'official', 'admin')", name="role_known"),
        CheckConstraint("session_version >= 1", name="session_version_positive"),
        CheckConstraint("NOT (awaiting_approval AND active)", name="pending_is_inactive"),
        CheckConstraint("display_mode IS NULL OR display_mode IN ('', 'large', 'contrast', 'large_contrast')",
                        name="display_mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(30))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    is_active_account: Mapped[bool] = mapped_column("active", Boolean, default=True)
    # A sign-up that asked to join an existing organisation, until a member decides.
    awaiting_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    # Bumped on password change / deactivation so old session cookies stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # When the address in `email` was confirmed by a link sent to it (None: not confirmed; mail waits for it).
    email_verified_at: Mapped[datetime | None]
    # 大字版 / 高对比度 as last chosen (account/display.py): None until the user chooses, "" for the standard look.
    display_mode: Mapped[str | None] = mapped_column(String(20))

    organisation = relationship("Organisation", back_populates="users", lazy="joined", foreign_keys=[organisation_id])

    # Token of the browser session (UserSession) this object was loaded or logged in for.
    session_token = None

    @property
    def is_active(self) -> bool:  # used by Flask-Login
        return bool(self.is_active_account)

    def get_id(self) -> str:
        """Flask-Login id, "<user id>:<browser session token>" (see marketplace.auth.sessions)."""
        if not self.session_token:
            raise RuntimeError("no browser session: start one with marketplace.auth.sessions.start_session")
        return f"{self.id}:{self.session_token}"

    def __eq__(self, other) -> bool:
        return isinstance(other, User) and self.id is not None and self.id == other.id

    __hash__ = UserMixin.__hash__

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def is_reviewer(self) -> bool:
        return self.role in REVIEWER_ROLES

    @property
    def is_publisher(self) -> bool:
        return self.role in PUBLISHER_ROLES

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class LoginAttempt(db.Model):
    """Every log-in attempt, for throttling and for the audit trail."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]

    user = relationship("User")

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()


class UserSession(db.Model):
    """One logged-in browser; the SHA-256 of its token names it, the token itself is in the cookies.

    Log-out ends the row; a copied cookie then logs nobody in. Rows of an older session_version
    (password change, deactivation, log-out everywhere) are dead too.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(String(120), default="")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")

    user = relationship("User", lazy="joined", innerjoin=True)

    @property
    def is_open(self) -> bool:
        return self.ended_at is None and self.session_version == self.user.session_version
