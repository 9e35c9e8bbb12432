"""Small factories that build real rows through the models (tests only)."""
import itertools
from datetime import date, timedelta

from marketplace.auth.services import hash_password
from marketplace.listings import services as listing_services
from models import ListingStatus, Organisation, TechNeed, TechResult, User, db

PASSWORD = "Secret-pass-2026"
_PASSWORD_HASH = None
_counter = itertools.count(1)


def password_hash() -> str:
    # Hashing costs ~50 ms with argon2; tests share one hash of the standard password.
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


def make_org(name=None, org_type="科研机构", region_code="530100", **extra) -> Organisation:
    org = Organisation(name=name or f"测试单位{next(_counter)}", org_type=org_type, region_code=region_code, **extra)
    db.session.add(org)
    db.session.flush()
    return org


def make_user(username=None, role="institute", org=None, **extra) -> User:
    """A user with the standard password; an organisation is created when the role needs one."""
    if org is None and role != "admin":
        org_type = {"institute": "科研机构", "enterprise": "企业", "official": "机关"}.get(role, "企业")
        org = make_org(org_type=org_type)
    user = User(username=username or f"user{next(_counter)}", password_hash=password_hash(), role=role,
                organisation_id=org.id if org else None, display_name=extra.pop("display_name", "测试用户"),
                **extra)
    db.session.add(user)
    db.session.flush()
    return user


def session_id(user: User) -> str:
    """Open a browser session for `user` (committed); the value a test writes as the session's `_user_id`."""
    from marketplace.auth.sessions import start_session

    start_session(user)
    db.session.commit()
    return user.get_id()


RESULT_DEFAULTS = dict(
    title="高性能燃料电池铂基催化剂关键技术", field="新材料及其应用", keywords="燃料电池;铂基催化剂",
    summary="低铂载量催化剂，功率密度 1.2 W/cm²。", maturity="中试", transfer_modes="转让;许可",
    price_fen=500 * 1_000_000, region_code="530100",
)

NEED_DEFAULTS = dict(
    title="电池包热管理技术需求", field="新能源与高效节能", keywords="热管理;电池包",
    description="需要将电池包温差控制在 3℃ 以内。", budget_fen=200 * 1_000_000, region_code="530100",
    deadline=None, cooperation_modes="合作开发",
)


def make_result(org, user=None, status=ListingStatus.PUBLISHED, **fields) -> TechResult:
    """A result created through the listing service and forced into `status`."""
    return _make_listing("result", RESULT_DEFAULTS, org, user, status, fields)


def make_need(org, user=None, status=ListingStatus.PUBLISHED, **fields) -> TechNeed:
    if fields.get("is_bounty"):
        fields.setdefault("bounty_fen", 100 * 1_000_000)
        fields.setdefault("deadline", date.today() + timedelta(days=30))
        fields.setdefault("bounty_goals", "攻关目标：温差 ≤ 3℃")
        fields.setdefault("bounty_conditions", "具备电池热管理研究基础")
    return _make_listing("need", NEED_DEFAULTS, org, user, status, fields)


def _make_listing(kind, defaults, org, user, status, fields):
    data = {**defaults, **fields}
    listing = listing_services.create_listing(kind, org, user, data)
    if status != ListingStatus.DRAFT:
        listing.status = status
        if status == ListingStatus.PUBLISHED:
            from models.base import utcnow

            listing.published_at = utcnow()
    db.session.flush()
    return listing
