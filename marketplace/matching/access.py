"""Who may see and act on a match (object-level checks for the deal pipeline)."""
from marketplace.matching.workflow import BROKER, NEED_SIDE, RESULT_SIDE
from marketplace.permissions import in_scope, is_member
from models.user import PUBLISHER_ROLES


def parties_of(user, match) -> set[str]:
    """The roles `user` plays on `match`: its broker, the need's side, the result's side."""
    found = set()
    if not user.is_authenticated:
        return found
    if user.role == "broker" and match.broker_id == user.id:
        found.add(BROKER)
    if user.role in PUBLISHER_ROLES:
        if is_member(user, match.need.organisation_id):
            found.add(NEED_SIDE)
        if is_member(user, match.result.organisation_id):
            found.add(RESULT_SIDE)
    return found


def can_view_match(user, match) -> bool:
    """The broker, both parties, officials of either region and admins."""
    if parties_of(user, match):
        return True
    return user.is_authenticated and user.role in ("official", "admin") and (
        in_scope(user, match.need.region_code) or in_scope(user, match.result.region_code))


def can_read_notes(user, match) -> bool:
    """Private broker notes: only that match's broker."""
    return user.is_authenticated and user.role == "broker" and match.broker_id == user.id


def can_see_suggestions(user, need) -> bool:
    """Ranked suggestions for a need: brokers, officials, admins and the need's own organisation."""
    if not user.is_authenticated:
        return False
    return user.role in ("broker", "official", "admin") or is_member(user, need.organisation_id)
