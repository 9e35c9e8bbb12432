"""Platform administration: finding users, creating accounts, (de)activating, organisations.

Functions flush but never commit; the caller commits once.
"""
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from marketplace.auth.membership import create_organisation, org_type_problem
from marketplace.auth.services import AccountError, create_user, find_organisation, username_taken
from marketplace.security_log import ACCOUNT_ACTIVATED, ACCOUNT_CREATED, ACCOUNT_DEACTIVATED, record
from models import Organisation, User, db
from models.base import utcnow
from models.user import ROLES


def user_query(role: str | None = None, text: str | None = None) -> Select:
    """Users, newest first, optionally of one role and matching `text` in name, email or organisation."""
    query = select(User).outerjoin(User.organisation)
    if role in ROLES:
        query = query.where(User.role == role)
    text = (text or "").strip()
    if text:
        query = query.where(or_(
            User.username.icontains(text, autoescape=True),
            User.display_name.icontains(text, autoescape=True),
            User.email.icontains(text, autoescape=True),
            Organisation.name.icontains(text, autoescape=True),
        ))
    return query.order_by(User.created_at.desc(), User.id.desc())


def create_account(data: dict) -> User:
    """Create an active account of any role, in an existing, a new, or no organisation."""
    if data["role"] not in ROLES:
        raise AccountError("请选择有效的角色。", "role")
    if username_taken(data["username"]):
        raise AccountError("该用户名已被使用。", "username")
    try:
        organisation = _organisation_for(data)
        user = create_user(data["username"], data["password"], data["role"], organisation,
                           display_name=data["display_name"], email=data.get("email"), phone=data.get("phone"))
    except IntegrityError:
        raise AccountError("用户名、单位名称或信用代码刚刚被占用，请修改后重试。") from None
    record(ACCOUNT_CREATED, subject_user=user, organisation=organisation, detail=f"角色：{user.role}")
    return user


def _organisation_for(data: dict) -> Organisation | None:
    mode = data["org_mode"]
    if mode == "none":
        return None
    if mode == "join":
        organisation = find_organisation(data["join_org_name"] or "")
        if organisation is None:
            raise AccountError("未找到该单位，请填写与平台登记完全一致的单位全称。", "join_org_name")
        problem = org_type_problem(data["role"], organisation.org_type)
        if problem:
            raise AccountError(f"该单位类型为“{organisation.org_type}”。{problem}", "join_org_name")
        return organisation
    problem = org_type_problem(data["role"], data["org_type"])
    if problem:
        raise AccountError(problem, "org_type")
    return create_organisation(data["org_name"], data["org_type"], data["region_code"], data.get("credit_code"))


def set_account_active(user: User, active: bool, actor: User) -> None:
    """Activate or deactivate an account; deactivation also ends its sessions."""
    if user.id == actor.id and not active:
        raise AccountError("不能停用自己的账号。")
    if bool(user.is_active_account) == active:
        raise AccountError("该账号已是启用状态。" if active else "该账号已是停用状态。")
    user.is_active_account = active
    if active and user.awaiting_approval:
        user.awaiting_approval, user.approved_by_id, user.approved_at = False, actor.id, utcnow()
    if not active:
        user.session_version += 1
    record(ACCOUNT_ACTIVATED if active else ACCOUNT_DEACTIVATED, actor, user, user.organisation)
    db.session.flush()


def organisation_query(text: str | None = None) -> Select:
    """Organisations by name, optionally matching `text`."""
    query = select(Organisation)
    text = (text or "").strip()
    if text:
        query = query.where(Organisation.name.icontains(text, autoescape=True))
    return query.order_by(Organisation.name)


def member_counts(organisation_ids: list[int]) -> dict[int, dict[str, int]]:
    """{organisation id: {"active": n, "inactive": m}} for the given organisations."""
    counts = {org_id: {"active": 0, "inactive": 0} for org_id in organisation_ids}
    if not organisation_ids:
        return counts
    rows = db.session.execute(
        select(User.organisation_id, User.is_active_account, func.count(User.id))
        .where(User.organisation_id.in_(organisation_ids))
        .group_by(User.organisation_id, User.is_active_account))
    for org_id, active, number in rows:
        counts[org_id]["active" if active else "inactive"] += number
    return counts
