"""Broker profiles, the directory and track records computed from the data.

Functions flush but never commit; the caller commits once.
"""
from dataclasses import dataclass

from sqlalchemy import func, select

from marketplace.errors import DomainError
from marketplace.permissions import require
from models import BrokerProfile, Contract, ContractStatus, Match, MatchStatus, Region, User, db
from models.match import BROKER_LEVELS
from models.user import Role
from models.vocab import TECH_FIELDS, join_list


class ProfileError(DomainError):
    """Invalid profile data; the message is shown to the user."""

    status, code = 422, "invalid_profile"


@dataclass
class TrackRecord:
    """A broker's public figures: matches made, deals signed, contracts registered and their amount."""

    matches: int = 0
    signed: int = 0
    contracts: int = 0
    contract_amount_fen: int = 0


def profile_of(user: User) -> BrokerProfile | None:
    """The broker's profile, or None before it is first saved."""
    return db.session.scalar(select(BrokerProfile).where(BrokerProfile.user_id == user.id))


def save_profile(user: User, level: str, certificate_no: str, fields: list[str], regions: list[str],
                 bio: str, is_listed: bool) -> BrokerProfile:
    """Create or update the broker's own profile."""
    require(user, "broker.profile", ProfileError("只有技术经纪人可以维护经纪人档案。"))
    if level not in BROKER_LEVELS:
        raise ProfileError("请选择有效的资质等级。")
    if any(f not in TECH_FIELDS for f in fields):
        raise ProfileError("擅长领域无效。")
    profile = profile_of(user) or BrokerProfile(user_id=user.id)
    profile.level, profile.certificate_no, profile.bio = level, certificate_no.strip(), bio.strip()
    profile.specialty_fields, profile.service_regions = join_list(fields), join_list(regions)
    profile.is_listed = bool(is_listed)
    db.session.add(profile)
    db.session.flush()
    return profile


def directory(field: str | None = None, level: str | None = None):
    """Listed, active brokers (optionally by specialty field or level), senior first."""
    order = {"senior": 0, "intermediate": 1, "junior": 2}
    stmt = (select(BrokerProfile).join(User, User.id == BrokerProfile.user_id)
            .where(BrokerProfile.is_listed.is_(True), User.is_active_account.is_(True), User.role == Role.BROKER))
    if field in TECH_FIELDS:
        stmt = stmt.where(BrokerProfile.specialty_fields.contains(field))
    if level in BROKER_LEVELS:
        stmt = stmt.where(BrokerProfile.level == level)
    profiles = db.session.scalars(stmt).all()
    return sorted(profiles, key=lambda p: (order[p.level], p.user.display_name or p.user.username, p.id))


def track_records(user_ids: list[int]) -> dict[int, TrackRecord]:
    """Track records of several brokers in three grouped queries."""
    records = {uid: TrackRecord() for uid in user_ids}
    if not user_ids:
        return records
    made = db.session.execute(select(Match.broker_id, func.count(Match.id)).where(
        Match.broker_id.in_(user_ids)).group_by(Match.broker_id))
    for uid, n in made:
        records[uid].matches = n
    signed = db.session.execute(select(Match.broker_id, func.count(Match.id)).where(
        Match.broker_id.in_(user_ids), Match.status == MatchStatus.SIGNED).group_by(Match.broker_id))
    for uid, n in signed:
        records[uid].signed = n
    contracts = db.session.execute(
        select(Contract.broker_id, func.count(Contract.id), func.coalesce(func.sum(Contract.contract_amount_fen), 0))
        .where(Contract.broker_id.in_(user_ids), Contract.status == ContractStatus.REGISTERED)
        .group_by(Contract.broker_id))
    for uid, n, amount in contracts:
        records[uid].contracts, records[uid].contract_amount_fen = n, int(amount)
    return records


def track_record(user: User) -> TrackRecord:
    """One broker's track record."""
    return track_records([user.id])[user.id]


def region_names(profile: BrokerProfile) -> list[str]:
    """Display names of the regions a broker serves (unknown codes as they are)."""
    codes = profile.region_list
    regions = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(codes)))} if codes else {}
    return [regions[code].full_name if code in regions else code for code in codes]
