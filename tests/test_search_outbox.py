"""The outbox gets one row per listing per transaction, and none (nor any index work) for unindexed listings."""
import pytest
from sqlalchemy import func, select

import search_index
from marketplace.listings import services
from models import ListingStatus, SearchChange, db
from search_index import indexer
from tests import factories as f


@pytest.fixture
def app_config():
    """These tests count the after-commit syncs, which the other tests leave to the first search."""
    return {"SEARCH_AUTO_SYNC": True}


@pytest.fixture
def syncs(monkeypatch):
    """Listings touched by each after-commit sync, in order."""
    calls = []
    real = indexer.sync

    def counting(app, *args, **kwargs):
        touched = real(app, *args, **kwargs)
        calls.append(touched)
        return touched

    monkeypatch.setattr(indexer, "sync", counting)
    return calls


def outbox_rows() -> list[tuple[str, int]]:
    return [tuple(row) for row in db.session.execute(
        select(SearchChange.kind, SearchChange.listing_id).order_by(SearchChange.id))]


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchChange))


def draft(org, **fields):
    return services.create_listing("result", org, None, {**f.RESULT_DEFAULTS, **fields})


def test_create_and_submit_is_not_indexed_and_writes_nothing(ctx, syncs):
    org = f.make_org()
    db.session.commit()
    listing = services.create_listing("result", org, None, dict(f.RESULT_DEFAULTS), submit=True)
    db.session.commit()
    assert listing.status == ListingStatus.PENDING
    assert outbox_rows() == [] and syncs == []


def test_submitting_a_draft_for_review_triggers_no_index_write(ctx, syncs):
    listing = draft(f.make_org())
    db.session.commit()
    services.transition(listing, "submit", None)
    db.session.commit()
    services.transition(listing, "recall", None)
    db.session.commit()
    assert outbox_rows() == [] and syncs == []


def test_create_submit_and_approve_in_one_transaction_is_one_row(ctx, syncs):
    listing = services.create_listing("result", f.make_org(), None, dict(f.RESULT_DEFAULTS), submit=True)
    services.transition(listing, "approve", None)
    search_index.record_change(listing)
    db.session.commit()
    assert outbox_rows() == [("result", listing.id)]
    assert syncs == [1]
    assert search_index.search("result", "燃料电池").ids == [listing.id]


def test_every_step_that_touches_the_index_writes_exactly_one_row(ctx, syncs):
    listing = draft(f.make_org())
    services.transition(listing, "submit", None)
    db.session.commit()
    services.transition(listing, "approve", None)
    db.session.commit()
    assert outbox_count() == 1 and search_index.search("result", "燃料电池").ids == [listing.id]
    services.update_listing(listing, None, {"title": "燃料电池电堆"})  # records twice: edit and revise
    db.session.commit()
    assert outbox_count() == 2 and search_index.search("result", "燃料电池").ids == []  # back in review
    services.transition(listing, "approve", None)
    db.session.commit()
    assert search_index.search("result", "电堆").ids == [listing.id]
    services.transition(listing, "withdraw", None, "不再转让")
    db.session.commit()
    assert outbox_count() == 4 and search_index.search("result", "电堆").ids == []
    assert syncs == [1, 1, 1, 1]


def test_a_listing_published_earlier_is_still_noted_when_it_leaves(ctx, syncs):
    listing = f.make_result(f.make_org())
    db.session.commit()
    assert listing.status == ListingStatus.PUBLISHED  # loaded, as a service checks it before a step
    listing.published_at = None  # even without the date, the status it leaves says it was indexed
    listing.status = ListingStatus.WITHDRAWN
    search_index.record_change(listing)
    db.session.commit()
    assert outbox_count() == 2 and search_index.search("result", "燃料电池").ids == []


def test_a_rolled_back_savepoint_keeps_the_outer_note_and_drops_its_own(ctx, syncs):
    org = f.make_org()
    kept = f.make_result(org)
    savepoint = db.session.begin_nested()
    dropped = f.make_result(org, title="回滚的成果")
    savepoint.rollback()
    db.session.commit()
    assert outbox_rows() == [("result", kept.id)]
    assert dropped not in db.session


def test_a_rolled_back_transaction_forgets_its_notes(ctx, syncs):
    org = f.make_org()
    db.session.commit()
    f.make_result(org)
    db.session.rollback()
    listing = draft(org)
    db.session.commit()
    assert outbox_rows() == [] and syncs == []
    assert listing.status == ListingStatus.DRAFT
