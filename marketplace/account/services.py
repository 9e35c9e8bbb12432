"""Accounts by e-mail: confirming an address, resetting a forgotten password, notices of security changes.

Links are signed with the site's secret key (itsdangerous) and expire; a reset link also names a
fingerprint of the password it replaces, so it works once: after the reset the fingerprint differs.
Functions flush, never commit.
"""
import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from marketplace.auth.services import AccountError, set_password, verify_password
from marketplace.errors import DomainError
from marketplace.jobs.schedule import site_time
from marketplace.mail import external_url, queue_mail
from marketplace.security_log import (
    EMAIL_CHANGED, EMAIL_CONFIRMED, PASSWORD_RESET, PASSWORD_RESET_REQUESTED, record,
)
from models import User, db
from models.base import utcnow

CONFIRM_SALT = "confirm-email"
RESET_SALT = "reset-password"
# At most one reset mail per account in this many minutes, however often the form is sent.
RESET_MAIL_EVERY_MINUTES = 10


class LinkProblem(DomainError):
    """A link from a mail that is forged, expired or used."""

    status, code = 400, "bad_link"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt)


def mask(address: str) -> str:
    """An address as a notice shows it to whoever reads the old mailbox: z***@example.com."""
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


def normalise_email(address: str | None) -> str | None:
    address = (address or "").strip()
    return address or None


# Confirmation of an address

def confirmation_url(user: User) -> str:
    token = _serializer(CONFIRM_SALT).dumps({"u": user.id, "e": user.email})
    return external_url("account.confirm_email", token=token)


def send_confirmation(user: User):
    """Mail a confirmation link to the user's (unconfirmed) address; None if there is none."""
    if not user.email or user.email_verified_at is not None:
        return None
    hours = current_app.config["EMAIL_CONFIRM_SECONDS"] // 3600
    return queue_mail("confirm_email", user=user, context={"url": confirmation_url(user), "hours": hours,
                                                           "username": user.username})


def confirm_email(token: str) -> User:
    """Mark the address of the link confirmed (the account must still have that address)."""
    try:
        data = _serializer(CONFIRM_SALT).loads(token, max_age=current_app.config["EMAIL_CONFIRM_SECONDS"])
    except SignatureExpired:
        raise LinkProblem("确认链接已过期，请登录后在“账号设置”中重新发送。")
    except BadSignature:
        raise LinkProblem("确认链接无效。")
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or not user.email or user.email != data.get("e"):
        raise LinkProblem("确认链接无效：该账号的邮箱已经更改。")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        record(EMAIL_CONFIRMED, user, user, detail=mask(user.email))
    return user


def change_email(user: User, password: str, new_email: str | None) -> None:
    """A new (or no) address: the password is asked again, the old address is told, the new one confirmed."""
    if not verify_password(user, password or ""):
        raise AccountError("密码不正确。", "password")
    new_email = normalise_email(new_email)
    old_email, old_confirmed = user.email, user.email_verified_at is not None
    if new_email == old_email:
        raise AccountError("新邮箱与当前邮箱相同。", "email")
    user.email, user.email_verified_at = new_email, None
    record(EMAIL_CHANGED, user, user, detail=f"{mask(old_email) if old_email else '无'} → "
                                             f"{mask(new_email) if new_email else '无'}")
    if old_email and old_confirmed:
        queue_mail("email_changed", address=old_email, user=user,
                   context={"username": user.username, "new": mask(new_email) if new_email else "（已删除邮箱）",
                            "at": f"{site_time(utcnow()):%Y-%m-%d %H:%M}"})
    db.session.flush()
    send_confirmation(user)


# A forgotten password

def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}|{user.session_version}".encode()).hexdigest()[:20]


def reset_url(user: User) -> str:
    token = _serializer(RESET_SALT).dumps({"u": user.id, "p": _password_fingerprint(user)})
    return external_url("account.reset_password", token=token)


def request_reset(address: str | None) -> int:
    """Mail a reset link to each active account confirmed at `address`; the caller answers the same either way."""
    address = normalise_email(address)
    if not address:
        return 0
    users = db.session.scalars(select(User).where(func.lower(User.email) == address.lower(),
                                                  User.email_verified_at.is_not(None),
                                                  User.is_active_account.is_(True))).all()
    bucket = int(utcnow().timestamp() // (RESET_MAIL_EVERY_MINUTES * 60))
    minutes = current_app.config["PASSWORD_RESET_SECONDS"] // 60
    for user in users:
        record(PASSWORD_RESET_REQUESTED, None, user, detail=mask(user.email))
        queue_mail("reset_password", user=user, key=f"reset:{user.id}:{bucket}",
                   context={"url": reset_url(user), "username": user.username, "minutes": minutes})
    return len(users)


def user_of_reset_link(token: str) -> User:
    try:
        data = _serializer(RESET_SALT).loads(token, max_age=current_app.config["PASSWORD_RESET_SECONDS"])
    except SignatureExpired:
        raise LinkProblem("重置链接已过期，请重新申请。")
    except BadSignature:
        raise LinkProblem("重置链接无效。")
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or not user.is_active_account or data.get("p") != _password_fingerprint(user):
        raise LinkProblem("重置链接已使用过或已失效，请重新申请。")
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a valid link; the link, every session and every API token stop working."""
    user = user_of_reset_link(token)
    set_password(user, new_password)
    record(PASSWORD_RESET, None, user)
    password_changed_notice(user)
    return user


def password_changed_notice(user: User):
    """Tell the account's confirmed address that its password changed (whoever changed it)."""
    if not user.email or user.email_verified_at is None:
        return None
    return queue_mail("password_changed", user=user, context={
        "username": user.username, "at": f"{site_time(utcnow()):%Y-%m-%d %H:%M}",
        "reset_url": external_url("account.forgot_password")})
