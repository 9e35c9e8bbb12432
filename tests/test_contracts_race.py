"""Concurrent registrations from several processes never share a number."""
import pytest
from sqlalchemy import select

from bench.bidding import worker_context
from marketplace.contracts import services
from models import Contract, User, db
from tests.contract_helpers import draft, officials, parties
from tests.factories import make_user

PROCESSES = 4
PER_PROCESS = 12


def _register_slice(config: dict, contract_ids: list[int], official_id: int, queue) -> None:
    from marketplace import create_app

    app = create_app(config)
    errors = []
    with app.app_context():
        official = db.session.get(User, official_id)
        for contract_id in contract_ids:
            try:
                contract = db.session.get(Contract, contract_id)
                services.transition(contract, "register", official)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported to and asserted on by the parent
                db.session.rollback()
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
        db.engine.dispose()
    queue.put(errors)


@pytest.mark.slow
def test_parallel_registrations_issue_unique_consecutive_numbers(app):
    with app.app_context():
        seller, buyer = parties()
        seller_user = make_user("race_seller", "institute", seller)
        official, _, _ = officials()
        ids = []
        for _ in range(PROCESSES * PER_PROCESS):
            c = draft(seller, buyer, seller_user)
            services.transition(c, "file", seller_user)
            services.transition(c, "accept", official)
            ids.append(c.id)
        db.session.commit()
        official_id = official.id
        config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SEARCH_INDEX_DIR")}
        config["TESTING"] = True

    spawn = worker_context()
    queue = spawn.Queue()
    workers = [spawn.Process(target=_register_slice, args=(config, ids[i::PROCESSES], official_id, queue))
               for i in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    errors = [error for _ in workers for error in queue.get(timeout=5)]
    assert errors == []

    with app.app_context():
        numbers = db.session.scalars(select(Contract.registration_no)).all()
    serials = sorted(int(n[-6:]) for n in numbers)
    assert len(set(numbers)) == len(numbers) == PROCESSES * PER_PROCESS
    assert serials == list(range(1, PROCESSES * PER_PROCESS + 1))
