"""Match checks now live in marketplace.permissions; these names stay importable from here."""
from marketplace.permissions import can_read_notes, can_see_suggestions, can_view_match, parties_of  # noqa: F401
