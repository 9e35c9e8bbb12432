"""Contracts registered at the same time in the same cell from several processes are all counted."""
from datetime import date

import pytest

from bench.bidding import worker_context
from marketplace.stats import rollup
from models import db

PROCESSES = 4
PER_PROCESS = 15


def _insert_slice(config: dict, worker: int, queue) -> None:
    from marketplace import create_app
    from tests.test_stats_data import add_contract

    app = create_app(config)
    errors = []
    with app.app_context():
        for n in range(PER_PROCESS):
            try:
                add_contract("530100", "530300", date(2025, 6, 11), 100 + worker, 100 + worker,
                             registration_no=f"R{worker}-{n}", contract_type="技术服务", ip_types="发明专利")
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported to and asserted on by the parent
                db.session.rollback()
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
        db.engine.dispose()
    queue.put(errors)


@pytest.mark.slow
def test_parallel_inserts_into_one_cell_lose_no_count(app):
    config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SEARCH_INDEX_DIR")}
    config["TESTING"] = True
    spawn = worker_context()
    queue = spawn.Queue()
    workers = [spawn.Process(target=_insert_slice, args=(config, i, queue)) for i in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    errors = [error for _ in workers for error in queue.get(timeout=5)]
    assert errors == []
    with app.app_context():
        cells = rollup.stored_totals()
        expected_fen = sum((100 + i) * PER_PROCESS for i in range(PROCESSES))
        assert cells[("seller", date(2025, 6, 11), "530100")] == (PROCESSES * PER_PROCESS, expected_fen, expected_fen)
        assert rollup.verify()
