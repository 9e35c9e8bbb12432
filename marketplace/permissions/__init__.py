"""Who may do what: the permission table, the route table and the object-level checks, in one place."""
from marketplace.permissions.objects import (  # noqa: F401
    can_apply_to_bounty, can_edit_listing, can_manage_event, can_read_notes, can_review_listing, can_see_parties,
    can_see_suggestions, can_view_contract, can_view_listing, can_view_match, in_scope, is_member, is_registrar,
    is_seller_side, parties_of, region_scope_prefix,
)
from marketplace.permissions.routes import ROUTES  # noqa: F401
from marketplace.permissions.table import (  # noqa: F401
    LOGGED_IN, PERMISSIONS, PUBLIC, has, permission_required, require,
)
