"""Full-text search over published listings (Whoosh + jieba).

The database is the source of truth: listing changes are written to the
`search_changes` outbox in the same transaction and the index follows it.
"""
from models import SearchChange, db


def record_change(listing) -> None:
    """Note in the current transaction that `listing` must be (re)indexed."""
    db.session.add(SearchChange(kind=listing.kind, listing_id=listing.id))
