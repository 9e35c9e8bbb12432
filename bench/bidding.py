"""Concurrent bidders on one ascending auction, in separate processes with threads in each (as gunicorn workers
with threads), through the service every bid page and API call uses. Shared by tests/test_trading_race.py and
bench/bid_bench.py.

Each bidder bids the current minimum (plus up to three increments) until the auction's close, sends every
accepted bid a second time with the same request key (it must come back as the same bid), and keeps bidding for a
while after the close (every such bid must be refused). The close may be a time (the benchmark) or come once
enough bids are in (the test: `close_after`, so that a slow machine still sees a contest). `run` returns what the bidders saw; `check` compares it
with what is stored.
"""
import multiprocessing
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

PROCESSES = 2
THREADS = 4


@dataclass
class Outcome:
    accepted: list = field(default_factory=list)  # (request key, amount in fen, bidder user id, placed at)
    repeats_new: int = 0  # a resent bid stored again (must be 0)
    refused: int = 0  # outbid in the meantime, already leading, or after the close
    reasons: dict = field(default_factory=dict)  # refusal message → how many
    errors: list = field(default_factory=list)  # anything else (must be empty)


def _bidder(app, trade_id: int, user_id: int, linger: float, seed: int, out: Outcome, lock) -> None:
    from marketplace.trading import services
    from models import Trade, User, db
    from models.base import utcnow

    rng = random.Random(seed)
    with app.app_context():
        user = db.session.get(User, user_id)
        while True:
            try:
                trade = db.session.get(Trade, trade_id, populate_existing=True)
                ends_at = trade.ends_at  # read afresh each time: the parent may close the auction early
                if utcnow() >= ends_at + timedelta(seconds=linger):
                    db.session.commit()
                    break
                amount = services.minimum_bid(trade) + rng.randint(0, 3) * trade.increment_fen
                leading = trade.leading_bid is not None and trade.leading_bid.party.user_id == user_id
                db.session.commit()
                if leading:  # a bidder in the lead waits to be outbid, as a person would
                    time.sleep(0.005)
                    continue
                key = uuid.uuid4().hex
                bid, new = services.place_bid(user, trade_id, amount, key)
                db.session.commit()
                again, again_new = services.place_bid(user, trade_id, amount, key)
                db.session.commit()
                with lock:
                    out.accepted.append((key, amount, user_id, bid.placed_at))
                    out.repeats_new += int(again_new or again.id != bid.id)
            except services.TradeError as exc:
                db.session.rollback()
                with lock:
                    out.refused += 1
                    out.reasons[exc.message[:20]] = out.reasons.get(exc.message[:20], 0) + 1
                time.sleep(rng.random() * 0.002)
            except Exception as exc:  # noqa: BLE001 - reported to the parent, which asserts there are none
                db.session.rollback()
                with lock:
                    out.errors.append(f"{type(exc).__name__}: {exc}"[:300])
        db.session.remove()


def _process(config: dict, trade_id: int, user_ids: list[int], linger: float, ready, go, queue) -> None:
    from marketplace import create_app
    from models import User, db

    app = create_app(config)
    with app.app_context():  # connected and warm before the bidding opens
        db.session.get(User, user_ids[0])
        db.session.remove()
    ready.put(True)
    go.get(timeout=300)  # every process is up: the parent has opened the bidding
    out, lock = Outcome(), threading.Lock()
    threads = [threading.Thread(target=_bidder, args=(app, trade_id, uid, linger, uid, out, lock))
               for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        db.engine.dispose()
    queue.put(out)


def worker_context(preload=("marketplace", "models")):
    """Processes forked from a server that imported the app once (a spawned process would import it again
    each time: ~1.5 s of CPU apiece). The server starts with nothing but those modules: no app, no connection."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context


def run(config: dict, trade_id: int, user_ids: list[int], open_bidding, linger: float = 1.0,
        processes: int = PROCESSES, then=None) -> Outcome:
    """Bid with every user in `user_ids` (spread over `processes` processes). Once every process has started,
    `open_bidding()` opens the bidding (sets the close); `then()`, if given, runs in this process meanwhile (it
    may close the auction early). The bidders go on until `linger` s after the close they last read."""
    spawn = worker_context()
    queue, ready, go = spawn.Queue(), spawn.Queue(), spawn.Queue()
    workers = [spawn.Process(target=_process, args=(config, trade_id, user_ids[i::processes], linger, ready, go, queue))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.get(timeout=300)
    open_bidding()
    for _ in workers:
        go.put(True)
    if then is not None:
        then()
    total = Outcome()
    for _ in workers:
        part = queue.get(timeout=300)
        total.accepted += part.accepted
        total.repeats_new += part.repeats_new
        total.refused += part.refused
        for reason, count in part.reasons.items():
            total.reasons[reason] = total.reasons.get(reason, 0) + count
        total.errors += part.errors
    for worker in workers:
        worker.join(60)
    return total


def check(trade_id: int, outcome: Outcome) -> dict:
    """What is stored against what the bidders were told (in an app context): counts of lost and double bids."""
    from models import Bid, Trade, db

    trade = db.session.get(Trade, trade_id)
    bids = db.session.scalars(select(Bid).where(Bid.trade_id == trade_id).order_by(Bid.seq)).all()
    stored = {bid.request_key for bid in bids}
    told = [key for key, _amount, _user, _at in outcome.accepted]
    amounts = [bid.amount_fen for bid in bids]
    return {
        "bids": len(bids),
        "lost": len(set(told) - stored),  # accepted but not stored
        "unannounced": len(stored - set(told)),  # stored but never reported accepted
        "double_counted": len(bids) - len(stored) + outcome.repeats_new,
        "out_of_order": sum(1 for a, b in zip(amounts, amounts[1:]) if b < a + trade.increment_fen),
        "seq_gaps": int([bid.seq for bid in bids] != list(range(1, len(bids) + 1))),
        "after_close": sum(1 for bid in bids if bid.placed_at >= trade.ends_at)
        + sum(1 for *_told, at in outcome.accepted if at >= trade.ends_at),
        "leading_is_highest": int(not bids or trade.leading_bid_id == max(bids, key=lambda b: b.amount_fen).id),
    }


def close_in(trade_id: int, seconds: float):
    """Set the auction to close `seconds` from now (in an app context); returns the close time."""
    from marketplace.trading.services import locked
    from models import db
    from models.base import utcnow

    trade = locked(trade_id)  # the time is taken under the lock: no bid being checked can land after it
    trade.ends_at = utcnow() + timedelta(seconds=seconds)
    db.session.commit()
    return trade.ends_at


def close_after(trade_id: int, bids: int, timeout: float = 120.0) -> None:
    """Wait (in an app context) until the auction holds `bids` bids, then close it at once."""
    from models import Trade, db

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = db.session.scalar(select(Trade.bid_count).where(Trade.id == trade_id))
        db.session.commit()
        if count >= bids:
            break
        time.sleep(0.05)
    close_in(trade_id, 0)
