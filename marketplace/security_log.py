"""The security log: `record(...)` adds an entry to the current transaction, which commits or rolls back with it.

The table is append-only (database triggers refuse UPDATE and DELETE); nothing here commits.
"""
from datetime import date, datetime, time, timedelta

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, or_, select

from models import SecurityLogEntry, db

LOGIN_SUCCEEDED = "login.succeeded"
LOGIN_FAILED = "login.failed"
LOGIN_THROTTLED = "login.throttled"
SIGNED_UP = "account.signed_up"
ACCOUNT_CREATED = "account.created"
MEMBER_APPROVED = "membership.approved"
MEMBER_REJECTED = "membership.rejected"
ACCOUNT_ACTIVATED = "account.activated"
ACCOUNT_DEACTIVATED = "account.deactivated"
PASSWORD_CHANGED = "password.changed"
TOKEN_CREATED = "token.created"
TOKEN_REVOKED = "token.revoked"
CONTRACT_PARTIES_SET = "contract.parties_set"
CONTRACT_PARTIES_CHANGED = "contract.parties_changed"
EMAIL_CONFIRMED = "email.confirmed"
EMAIL_CHANGED = "email.changed"
PASSWORD_RESET_REQUESTED = "password.reset_requested"
PASSWORD_RESET = "password.reset"
JOB_RETRIED = "job.retried"
SENDER_BLOCKED = "thread.blocked"
SENDER_UNBLOCKED = "thread.unblocked"
POST_REPORTED = "thread.reported"
POST_HIDDEN = "thread.post_hidden"
REPORT_DISMISSED = "thread.report_dismissed"

KIND_LABELS = {
    LOGIN_SUCCEEDED: "登录成功", LOGIN_FAILED: "登录失败", LOGIN_THROTTLED: "登录被限制",
    SIGNED_UP: "自助注册", ACCOUNT_CREATED: "创建账号",
    MEMBER_APPROVED: "通过加入申请", MEMBER_REJECTED: "拒绝加入申请",
    ACCOUNT_ACTIVATED: "启用账号", ACCOUNT_DEACTIVATED: "停用账号", PASSWORD_CHANGED: "修改密码",
    TOKEN_CREATED: "创建 API 令牌", TOKEN_REVOKED: "撤销 API 令牌",
    CONTRACT_PARTIES_SET: "合同当事人登记", CONTRACT_PARTIES_CHANGED: "合同当事人变更",
    EMAIL_CONFIRMED: "确认邮箱", EMAIL_CHANGED: "修改邮箱", PASSWORD_RESET_REQUESTED: "申请重置密码",
    PASSWORD_RESET: "通过邮件重置密码", JOB_RETRIED: "重试后台任务",
    SENDER_BLOCKED: "屏蔽留言人", SENDER_UNBLOCKED: "解除屏蔽", POST_REPORTED: "举报留言",
    POST_HIDDEN: "隐藏被举报的留言", REPORT_DISMISSED: "驳回举报",
}
# Contract columns whose change alters who the parties or the broker are.
PARTY_COLUMN_PREFIXES = ("seller_", "buyer_", "broker_")


def _signed_in_user():
    """The user behind this request (site session or API token), or None outside requests."""
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def record(kind: str, actor=None, subject_user=None, organisation=None, contract=None, detail: str = "",
           ip: str | None = None) -> SecurityLogEntry:
    """Add an entry to the current session; `actor` and `ip` default to the request's user and address."""
    actor = actor or _signed_in_user()
    if ip is None and has_request_context():
        ip = request.remote_addr
    entry = SecurityLogEntry(
        kind=kind, actor_id=actor.id if actor else None, actor_name=actor.username if actor else "",
        subject_user_id=subject_user.id if subject_user else None,
        subject_name=subject_user.username if subject_user else "",
        organisation_id=organisation.id if organisation else None, contract_id=contract.id if contract else None,
        detail=detail or "", ip=(ip or None) and ip[:64])
    db.session.add(entry)
    return entry


def record_contract_parties(contract, actor) -> None:
    """Record the parties and the broker a new contract was filed with."""
    broker = contract.broker_id if contract.broker_id is not None else "无"
    record(CONTRACT_PARTIES_SET, actor, contract=contract,
           detail=f"卖方：{contract.seller_name}；买方：{contract.buyer_name}；经纪人 id：{broker}")


def record_party_changes(contract, actor, changes: dict) -> None:
    """Record the party or broker columns among `changes` that differ from the contract's (call before applying)."""
    moved = {key: value for key, value in changes.items()
             if key.startswith(PARTY_COLUMN_PREFIXES) and getattr(contract, key, None) != value}
    if moved:
        record(CONTRACT_PARTIES_CHANGED, actor, contract=contract,
               detail="；".join(f"{key}：{getattr(contract, key, None)} → {value}" for key, value in moved.items()))


def log_query(kind: str | None = None, username: str | None = None, since: date | None = None,
              until: date | None = None) -> Select:
    """Entries newest first, optionally of one kind, naming a username (as actor or subject), within dates."""
    query = select(SecurityLogEntry)
    if kind in KIND_LABELS:
        query = query.where(SecurityLogEntry.kind == kind)
    username = (username or "").strip().lower()
    if username:
        query = query.where(or_(SecurityLogEntry.actor_name == username, SecurityLogEntry.subject_name == username))
    if since:
        query = query.where(SecurityLogEntry.at >= datetime.combine(since, time.min))
    if until:
        query = query.where(SecurityLogEntry.at < datetime.combine(until + timedelta(days=1), time.min))
    return query.order_by(SecurityLogEntry.at.desc(), SecurityLogEntry.id.desc())
