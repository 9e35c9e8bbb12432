"""Object-level checks: region scope, listings, contracts, matches, statistics and events.

Role tests go through the permission table (`has`); `in_scope` is true only for
officials of the region and for admins.
"""
from marketplace.permissions.table import has
from models import ContractStatus, ListingStatus, User


def region_scope_prefix(user: User) -> str | None:
    """The region-code prefix an official oversees ('' = everywhere, None = nothing).

    A provincial bureau (code ending 0000) sees its whole province, a city bureau
    its city; admins see everything.
    """
    if has(user, "scope.everywhere"):
        return ""
    if not has(user, "scope.region") or user.organisation is None:
        return None
    code = user.organisation.region_code
    return code[:2] if code.endswith("0000") else code[:4]


def in_scope(user: User, region_code: str) -> bool:
    prefix = region_scope_prefix(user)
    return prefix is not None and region_code.startswith(prefix)


def is_member(user, organisation_id: int | None) -> bool:
    return (user.is_authenticated and organisation_id is not None
            and user.organisation_id == organisation_id)


# Listings

def can_edit_listing(user, listing) -> bool:
    """Only members of the owner organisation edit, and only a publishing role."""
    return is_member(user, listing.organisation_id) and has(user, "listing.create")


def can_review_listing(user, listing) -> bool:
    """Reviewers of the publishing organisation's region (the listing's own region is only where it is shown)."""
    return has(user, "listing.review") and in_scope(user, listing.organisation.region_code)


def can_view_listing(user, listing) -> bool:
    """Published listings are public; others for the owner, and for reviewers once submitted (never a draft)."""
    if listing.status == ListingStatus.PUBLISHED:
        return True
    if not user.is_authenticated:
        return False
    if is_member(user, listing.organisation_id):
        return True
    return listing.status != ListingStatus.DRAFT and can_review_listing(user, listing)


def can_apply_to_bounty(user, need) -> bool:
    """Institutes (not the need's own organisation) answer open 揭榜挂帅 needs."""
    return (has(user, "bounty.apply") and need.is_bounty
            and need.status == ListingStatus.PUBLISHED and not need.is_expired
            and need.selected_application is None and user.organisation_id != need.organisation_id)


# Contracts

def is_seller_side(user, contract) -> bool:
    """A member of the seller organisation, or the contract's own broker."""
    return ((has(user, "contract.party") and is_member(user, contract.seller_org_id))
            or (has(user, "contract.broker") and contract.broker_id == user.id))


def is_registrar(user, contract) -> bool:
    """An official of the seller's region (contracts are registered where the seller is)."""
    return has(user, "contract.register") and in_scope(user, contract.seller_region)


def can_view_contract(user, contract) -> bool:
    """The seller side and the buyer's members; the registrar once filed (a draft is private); admins in a closed year."""
    if is_seller_side(user, contract):
        return True
    if is_registrar(user, contract):
        return contract.status != ContractStatus.DRAFT
    if has(user, "year.override") and contract.registered_on is not None:
        from marketplace.contracts.year_close import is_closed  # a closed year's registrations are the admins'

        return is_closed(contract.seller_region, contract.registered_on)
    return has(user, "contract.party") and is_member(user, contract.buyer_org_id)


# Matches

def parties_of(user, match) -> set[str]:
    """The roles `user` plays on `match`: its broker, the need's side, the result's side."""
    from marketplace.matching.workflow import BROKER, NEED_SIDE, RESULT_SIDE

    found = set()
    if has(user, "match.propose") and match.broker_id == user.id:
        found.add(BROKER)
    if has(user, "match.party"):
        if is_member(user, match.need.organisation_id):
            found.add(NEED_SIDE)
        if is_member(user, match.result.organisation_id):
            found.add(RESULT_SIDE)
    return found


def can_view_match(user, match) -> bool:
    """The broker, both parties, officials of either region and admins."""
    if parties_of(user, match):
        return True
    return in_scope(user, match.need.region_code) or in_scope(user, match.result.region_code)


def can_read_notes(user, match) -> bool:
    """Private broker notes: only that match's broker."""
    return has(user, "match.propose") and match.broker_id == user.id


def can_see_suggestions(user, listing) -> bool:
    """Ranked suggestions for a listing: brokers, officials, admins and the listing's own organisation."""
    if not user.is_authenticated:
        return False
    return has(user, "match.suggestions") or is_member(user, listing.organisation_id)


# Statistics and events

def can_see_parties(user, region) -> bool:
    """Officials see party-level tables for their own region; admins everywhere."""
    if not has(user, "stats.dashboard"):
        return False
    prefix = region_scope_prefix(user)
    return prefix == "" or (region is not None and in_scope(user, region.code))


def can_manage_event(user, event_or_region_code) -> bool:
    """Officials of the event's region (and admins) manage it."""
    code = getattr(event_or_region_code, "region_code", event_or_region_code)
    return has(user, "event.manage") and in_scope(user, code)
