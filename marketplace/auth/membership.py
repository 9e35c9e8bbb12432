"""Organisations and their members: sign-up, creating an organisation, approving applicants.

Functions flush but never commit; the caller commits once.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.auth.services import (
    AccountError, create_user, find_organisation, hash_password, is_awaiting_approval, username_taken,
)
from marketplace.permissions import has
from marketplace.security_log import MEMBER_APPROVED, MEMBER_REJECTED, SIGNED_UP, record
from models import Organisation, Region, User, credit_code_is_valid, db
from models.base import utcnow
from models.user import PUBLISHER_ROLES, Role
from models.vocab import ORG_TYPES

# Which organisation types each self-registering role may belong to.
ORG_TYPES_FOR_ROLE = {
    Role.INSTITUTE: ("科研机构", "高等院校", "医疗卫生", "其他"),
    Role.ENTERPRISE: ("企业", "个人", "社团", "其他"),
}
ROLE_NAMES = {Role.INSTITUTE: "科研机构/高校", Role.ENTERPRISE: "企业"}


def org_type_problem(role: str, org_type: str) -> str | None:
    """Why an account of `role` may not belong to an organisation of `org_type`, or None."""
    allowed = ORG_TYPES_FOR_ROLE.get(role)
    if allowed is None or org_type in allowed:
        return None
    return f"{ROLE_NAMES[role]}账号只能属于以下类型的单位：{'、'.join(allowed)}。"


def check_new_organisation(name: str, org_type: str, region_code: str,
                           credit_code: str | None = None) -> tuple[str, str | None]:
    """Check name, type, region and 统一社会信用代码 of a new organisation; (name, credit code) normalised."""
    name = (name or "").strip()
    if not name:
        raise AccountError("请填写单位名称。", "org_name")
    if find_organisation(name) is not None:
        raise AccountError("该单位已存在；如需加入，请选择“加入已有单位”。", "org_name")
    if org_type not in ORG_TYPES:
        raise AccountError("请选择有效的单位类型。", "org_type")
    if not region_code or db.session.get(Region, region_code) is None:
        raise AccountError("请选择有效的所在地区。", "region_code")
    credit_code = (credit_code or "").strip().upper() or None
    if credit_code is not None:
        if not credit_code_is_valid(credit_code):
            raise AccountError("统一社会信用代码格式或校验位不正确（18 位）。", "credit_code")
        if db.session.scalar(select(Organisation.id).where(Organisation.credit_code == credit_code)) is not None:
            raise AccountError("该统一社会信用代码已被其他单位使用。", "credit_code")
    return name, credit_code


def create_organisation(name: str, org_type: str, region_code: str, credit_code: str | None = None) -> Organisation:
    """Create an organisation after checking name, type, region and 统一社会信用代码."""
    name, credit_code = check_new_organisation(name, org_type, region_code, credit_code)
    organisation = Organisation(name=name, org_type=org_type, region_code=region_code, credit_code=credit_code)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def _organisation_to_join(role: str, name: str) -> Organisation:
    """The existing organisation a sign-up asks to join, checked against the role."""
    organisation = find_organisation(name or "")
    if organisation is None:
        raise AccountError("未找到该单位，请填写与平台登记完全一致的单位全称。", "join_org_name")
    problem = org_type_problem(role, organisation.org_type)
    if problem:
        raise AccountError(f"该单位类型为“{organisation.org_type}”。{problem}", "join_org_name")
    return organisation


def _check_sign_up(data: dict) -> Organisation | None:
    """Every check of a sign-up except the username; the organisation to join (None: a new one)."""
    role = data["role"]
    if role not in PUBLISHER_ROLES:
        raise AccountError("只能注册科研机构/高校或企业账号。", "role")
    if data["org_mode"] != "new":
        return _organisation_to_join(role, data["join_org_name"])
    problem = org_type_problem(role, data["org_type"])
    if problem:
        raise AccountError(problem, "org_type")
    check_new_organisation(data["org_name"], data["org_type"], data["region_code"], data.get("credit_code"))
    return None


def register_account(data: dict) -> User | None:
    """Sign up an institute or enterprise account; None, with nothing stored, when the username is taken.

    The caller answers a taken username exactly like a sign-up (the answer must not tell
    strangers which usernames exist). Creating a new organisation makes the account active;
    joining an existing one creates it inactive until a member (or an admin) approves.
    """
    joining = _check_sign_up(data)
    if username_taken(data["username"]):
        hash_password(data["password"])  # the same work as a real sign-up
        return None
    try:
        organisation = joining or create_organisation(data["org_name"], data["org_type"], data["region_code"],
                                                      data.get("credit_code"))
        user = create_user(data["username"], data["password"], data["role"], organisation,
                           display_name=data["display_name"], email=data.get("email"), phone=data.get("phone"))
        user.is_active_account = joining is None
        user.awaiting_approval = not user.is_active_account
        db.session.flush()
    except IntegrityError:
        # Two sign-ups raced for the same username, organisation name or credit code.
        raise AccountError("用户名、单位名称或信用代码刚刚被占用，请修改后重试。") from None
    record(SIGNED_UP, user, user, organisation, detail="新建单位" if user.is_active_account else "申请加入单位")
    if joining is not None:
        from marketplace import notify_events

        notify_events.membership_requested(user)
    return user


def can_decide_membership(actor: User, applicant: User) -> bool:
    """Admins, and active members of the applicant's organisation, approve or reject."""
    if not actor.is_authenticated or actor.id == applicant.id:
        return False
    if has(actor, "account.manage"):
        return True
    return actor.is_active and actor.organisation_id is not None and actor.organisation_id == applicant.organisation_id


def pending_applicants(actor: User) -> list[User]:
    """Accounts waiting for approval that `actor` may decide on (all of them for admins)."""
    query = select(User).where(User.awaiting_approval.is_(True))
    if not has(actor, "account.manage"):
        query = query.where(User.organisation_id == actor.organisation_id)
    return list(db.session.scalars(query.order_by(User.created_at, User.id)))


def organisation_members(organisation_id: int | None) -> list[User]:
    """Active members of an organisation, by username."""
    if organisation_id is None:
        return []
    query = select(User).where(User.organisation_id == organisation_id, User.is_active_account.is_(True))
    return list(db.session.scalars(query.order_by(User.username)))


def approve_member(applicant: User, actor: User) -> None:
    """Let an applicant in: the account becomes active; who approved and when is kept."""
    if not is_awaiting_approval(applicant):
        raise AccountError("该申请已处理。")
    applicant.is_active_account, applicant.awaiting_approval = True, False
    applicant.approved_by_id, applicant.approved_at = actor.id, utcnow()
    record(MEMBER_APPROVED, actor, applicant, applicant.organisation)
    from marketplace import notify_events

    notify_events.membership_decided(applicant, True, actor)
    db.session.flush()


def reject_member(applicant: User, actor: User) -> None:
    """Refuse an applicant: the never-used account is removed so the username is free again."""
    if not is_awaiting_approval(applicant):
        raise AccountError("该申请已处理。")
    record(MEMBER_REJECTED, actor, applicant, applicant.organisation)
    from marketplace import notify_events

    notify_events.membership_decided(applicant, False, actor)
    db.session.delete(applicant)
    db.session.flush()
