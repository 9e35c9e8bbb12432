"""Accounts: password hashing and policy, log-in, password change, user creation."""
import functools
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from sqlalchemy import select

from marketplace.api.tokens import revoke_all
from marketplace.auth.sessions import end_all_sessions
from marketplace.auth.throttle import login_wait_seconds, wait_text
from marketplace.errors import DomainError
from marketplace.security_log import LOGIN_FAILED, LOGIN_SUCCEEDED, LOGIN_THROTTLED, PASSWORD_CHANGED, record
from models import LoginAttempt, Organisation, User, db
from models.base import utcnow
from models.user import ROLES, Role

# argon2id cost (config PASSWORD_HASH_*): the library's RFC 9106 low-memory profile (64 MiB, t=3) unless set.
_HASH_SETTINGS = {"time_cost": ("PASSWORD_HASH_TIME_COST", 3), "memory_cost": ("PASSWORD_HASH_MEMORY_KIB", 65536),
                  "parallelism": ("PASSWORD_HASH_PARALLELISM", 4)}
# One hasher per cost profile, each with a dummy hash verified when the username is unknown (equal timing).
_hashers: dict[tuple, tuple[PasswordHasher, str]] = {}

# ASVS 5.0 V6.2: at least 8 characters, passphrases up to 128, no composition rules,
# and none of the commonly used passwords (a list shipped with the code).
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
COMMON_PASSWORDS_FILE = os.path.join(os.path.dirname(__file__), "common_passwords.txt")


class AccountError(DomainError):
    """A refused account operation; the message is shown to the user (next to `field` when given)."""

    status, code = 422, "account_refused"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, field=field)


def _hasher_and_dummy() -> tuple[PasswordHasher, str]:
    """The hasher for the app's configured cost, and its dummy hash."""
    config = current_app.config if has_app_context() else {}
    profile = tuple(int(config.get(key, default)) for key, default in _HASH_SETTINGS.values())
    if profile not in _hashers:
        hasher = PasswordHasher(**dict(zip(_HASH_SETTINGS, profile)))
        _hashers[profile] = (hasher, hasher.hash("dummy password for timing"))
    return _hashers[profile]


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher_and_dummy()[0].hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Check `password` against the user's hash (constant work when the user is unknown)."""
    hasher, dummy = _hasher_and_dummy()
    try:
        return hasher.verify(user.password_hash if user else dummy, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-case (read once)."""
    with open(COMMON_PASSWORDS_FILE, encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip() and not line.startswith("#"))


def is_common_password(password: str) -> bool:
    """Whether `password` (any case) is on the shipped list of common passwords."""
    return password.lower() in common_passwords()


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位。"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"密码不能超过 {MAX_PASSWORD_LENGTH} 位。"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名。"
    if is_common_password(password):
        return "这是常见密码，很容易被猜中，请换一个（可以用一句好记的话）。"
    return None


def authenticate(username: str, password: str, remote_addr: str) -> User:
    """Check credentials and record the attempt; raise AccountError on refusal."""
    username = username.strip().lower()
    wait = login_wait_seconds(username, remote_addr)
    if wait:
        record(LOGIN_THROTTLED, detail=f"用户名：{username}", ip=remote_addr)
        raise AccountError(f"登录失败次数过多，请 {wait_text(wait)}后再试。")
    user = db.session.scalar(select(User).where(User.username == username))
    ok = verify_password(user, password) and user.is_active
    db.session.add(LoginAttempt(username=username[:40], remote_addr=remote_addr[:64], succeeded=ok))
    record(LOGIN_SUCCEEDED if ok else LOGIN_FAILED, user if ok else None, user, detail=f"用户名：{username}",
           ip=remote_addr)
    if not ok:
        if user is not None and not user.is_active and verify_password(user, password):
            if is_awaiting_approval(user):
                raise AccountError("账号正在等待单位成员审核，通过后即可登录。")
            raise AccountError("该账号已停用，请联系平台管理员。")
        raise AccountError("用户名或密码错误。")
    user.last_login_at = utcnow()
    if _hasher_and_dummy()[0].check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_password(user: User, new_password: str) -> None:
    """A new password (checked); every session and every API token of the user ends."""
    problem = password_problem(new_password, user.username)
    if problem:
        raise AccountError(problem, "new_password")
    user.password_hash = hash_password(new_password)
    # Sessions elsewhere, copied cookies and tokens made with the old password stop working.
    end_all_sessions(user)
    revoke_all(user)


def change_password(user: User, old_password: str, new_password: str) -> None:
    """Set a new password after checking the old one; every session and every API token of the user ends."""
    if not verify_password(user, old_password):
        raise AccountError("原密码不正确。", "old_password")
    set_password(user, new_password)
    record(PASSWORD_CHANGED, user, user)


def username_taken(username: str) -> bool:
    """Whether an account already uses this (case-folded) username."""
    return db.session.scalar(select(User.id).where(User.username == username.strip().lower())) is not None


def is_awaiting_approval(user: User) -> bool:
    """A sign-up that asked to join an existing organisation and was not yet let in."""
    return bool(user.awaiting_approval)


def find_organisation(name: str) -> Organisation | None:
    """The organisation with exactly this name, or None."""
    return db.session.scalar(select(Organisation).where(Organisation.name == name.strip()))


def create_user(username: str, password: str, role: str, organisation: Organisation | None,
                display_name: str = "", email: str | None = None, phone: str | None = None) -> User:
    """Create an account after checking the username and password."""
    username = username.strip().lower()
    if role not in ROLES:
        raise AccountError(f"未知角色：{role}", "role")
    if username_taken(username):
        raise AccountError("该用户名已被使用。", "username")
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem, "password")
    if role != Role.ADMIN and organisation is None:
        raise AccountError("该角色必须属于一个单位。", "org_mode")
    user = User(username=username, password_hash=hash_password(password), role=role,
                organisation_id=organisation.id if organisation else None,
                display_name=display_name or username, email=email or None, phone=phone or None)
    db.session.add(user)
    db.session.flush()
    return user
