"""Who may do what: role decorators and object-level checks, in one place."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from models import ListingStatus, User


def roles_required(*roles: str):
    """Anonymous → login redirect; a role not in `roles` → 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def region_scope_prefix(user: User) -> str | None:
    """The region-code prefix an official oversees ('' = everywhere, None = nothing).

    A provincial bureau (code ending 0000) sees its whole province, a city bureau
    its city; admins see everything.
    """
    if user.role == "admin":
        return ""
    if user.role != "official" or user.organisation is None:
        return None
    code = user.organisation.region_code
    return code[:2] if code.endswith("0000") else code[:4]


def in_scope(user: User, region_code: str) -> bool:
    prefix = region_scope_prefix(user)
    return prefix is not None and region_code.startswith(prefix)


def is_member(user, organisation_id: int | None) -> bool:
    return (user.is_authenticated and organisation_id is not None
            and user.organisation_id == organisation_id)


def can_edit_listing(user, listing) -> bool:
    """Only members of the owner organisation edit, and only a publishing role."""
    return is_member(user, listing.organisation_id) and user.role in ("institute", "enterprise")


def can_review_listing(user, listing) -> bool:
    return user.is_authenticated and user.role in ("official", "admin") and in_scope(user, listing.region_code)


def can_view_listing(user, listing) -> bool:
    """Published listings are public; others only for the owner and reviewers."""
    if listing.status == ListingStatus.PUBLISHED:
        return True
    if not user.is_authenticated:
        return False
    return is_member(user, listing.organisation_id) or can_review_listing(user, listing)


def can_apply_to_bounty(user, need) -> bool:
    """Institutes (not the need's own organisation) answer open 揭榜挂帅 needs."""
    return (user.is_authenticated and user.role == "institute" and need.is_bounty
            and need.status == ListingStatus.PUBLISHED and not need.is_expired
            and need.selected_application is None and user.organisation_id != need.organisation_id)


def can_select_applicant(user, need) -> bool:
    return can_edit_listing(user, need) and need.is_bounty and need.selected_application is None
