"""Benchmark: bids per second on one ascending auction, and the time from an auction's close to its winner on record.

    python -m bench.bid_bench [--seconds 10] [--database-url URL] [--closes 5]

Prints, on SQLite (a temporary file) or the given PostgreSQL database (emptied and migrated):
- the baseline: one bidder alone (one thread of this process), accepted bids per second;
- eight bidders at once (two processes of four threads, bench/bidding.py): accepted and refused bids per second,
  the ratio to the baseline, and the checks — bids lost, counted twice, out of order, after the close (all 0);
- the close: `--closes` auctions closing a few seconds apart while the scheduler's loop runs in this process
  (as in a web process without Redis, or the worker): seconds from each scheduled close to the winner recorded.
"""
import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import select, text  # noqa: E402

from bench import bidding  # noqa: E402
from marketplace import create_app, jobs  # noqa: E402
from marketplace.cli import init_db  # noqa: E402
from marketplace.trading import services  # noqa: E402
from models import TechResult, Trade, User, db  # noqa: E402
from models.base import utcnow  # noqa: E402

SECRET = "bench-secret-key-0123456789abcdef-0123456789"
WAN = 1_000_000


def settings(folder: str, database_url: str | None) -> dict:
    return {"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{folder}/market.db",
            "SEARCH_INDEX_DIR": f"{folder}/index", "INSTANCE_PATH": f"{folder}/instance", "JOBS_BACKEND": "thread",
            "MAIL_SERVER": None, "TESTING": True}


def empty_database(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        init_db()


def world(app, bidders: int) -> tuple[int, int, list[int]]:
    """An institute with a result and `bidders` enterprises (ids)."""
    from tests import factories

    with app.app_context():
        org = factories.make_org(name="竞价基准研究院", org_type="科研机构")
        owner = factories.make_user("bench_owner", org=org)
        result = factories.make_result(org, owner, title="竞价基准成果")
        ids = [factories.make_user(f"bench_bidder{n}", role="enterprise").id for n in range(bidders)]
        db.session.commit()
        return owner.id, result.id, ids


def auction(app, owner_id: int, result_id: int, bidder_ids: list[int], ends_in: timedelta) -> int:
    with app.app_context():
        owner, result = db.session.get(User, owner_id), db.session.get(TechResult, result_id)
        for old in db.session.scalars(select(Trade).where(Trade.result_id == result_id, Trade.status.in_(
                ("open", "deal", "converted")))):
            old.status = "withdrawn"  # one trade at a time per result
        trade = services.publish(owner, result, "auction", {
            "transfer_mode": "转让", "price_fen": 100 * WAN, "increment_fen": 100, "extend_minutes": 0,
            "ends_at": utcnow() + ends_in})
        for bidder_id in bidder_ids:
            party = services.register(db.session.get(User, bidder_id), trade, "")
            services.decide_party(owner, trade, party, True)
        db.session.commit()
        return trade.id


def baseline(app, config, owner_id, result_id, bidder_ids, seconds: float) -> float:
    """One bidder alone against a second one that is always outbid at once: accepted bids per second."""
    trade_id = auction(app, owner_id, result_id, bidder_ids[:2], timedelta(hours=1))
    with app.app_context():
        ends_at = bidding.close_in(trade_id, seconds)
        users = [db.session.get(User, uid) for uid in bidder_ids[:2]]
        count, turn = 0, 0
        while utcnow() < ends_at:
            trade = db.session.get(Trade, trade_id, populate_existing=True)
            amount = services.minimum_bid(trade)
            db.session.commit()
            try:
                services.place_bid(users[turn], trade_id, amount, f"base-{count}")
                db.session.commit()
                count, turn = count + 1, 1 - turn
            except services.TradeError:
                db.session.rollback()
                break
        return count / seconds


def concurrent(app, config, owner_id, result_id, bidder_ids, seconds: float) -> tuple[dict, bidding.Outcome]:
    trade_id = auction(app, owner_id, result_id, bidder_ids, timedelta(hours=1))

    def open_bidding():
        with app.app_context():
            bidding.close_in(trade_id, seconds)

    outcome = bidding.run(config, trade_id, bidder_ids, open_bidding, linger=1.0)
    with app.app_context():
        return bidding.check(trade_id, outcome), outcome


def close_latency(app, owner_id, result_id, bidder_ids, closes: int) -> list[float]:
    """Auctions closing 2 s apart, with the scheduler's loop running here: seconds from each close to the winner."""
    stop = threading.Event()
    ticker = threading.Thread(target=jobs.tick_forever, args=(app, stop), daemon=True)
    ticker.start()
    delays = []
    try:
        for n in range(closes):
            trade_id = auction(app, owner_id, result_id, bidder_ids[:2], timedelta(seconds=3))
            with app.app_context():
                services.place_bid(db.session.get(User, bidder_ids[0]), trade_id, 100 * WAN, f"close-{n}")
                db.session.commit()
                ends_at = db.session.get(Trade, trade_id).ends_at
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                with app.app_context():
                    trade = db.session.get(Trade, trade_id)
                    if trade.status != "open":
                        delays.append((trade.closed_at - ends_at).total_seconds())
                        assert trade.winner_party_id is not None
                        break
                    db.session.remove()
                time.sleep(0.05)
            else:
                raise SystemExit(f"auction {trade_id} did not close within 90 s of its time")
    finally:
        stop.set()
        jobs._wake.set()
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--closes", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = settings(folder, args.database_url)
        app = create_app(config)
        empty_database(app)
        bidders = bidding.PROCESSES * bidding.THREADS
        owner_id, result_id, bidder_ids = world(app, bidders)
        name = "PostgreSQL" if args.database_url else "SQLite"
        print(f"数据库 {name}；每轮 {args.seconds:g} 秒")
        alone = baseline(app, config, owner_id, result_id, bidder_ids, args.seconds)
        print(f"基线：一个出价人（单线程）  {alone:8.1f} 次出价/秒")
        found, outcome = concurrent(app, config, owner_id, result_id, bidder_ids, args.seconds)
        rate = len(outcome.accepted) / args.seconds
        print(f"{bidders} 个出价人同时出价：    {rate:8.1f} 次成功出价/秒（基线的 {rate / alone:.2f} 倍），"
              f"被拒 {outcome.refused / args.seconds:.1f} 次/秒（被抢先、已领先或截止后）")
        print(f"  存储 {found['bids']} 笔；丢失 {found['lost']}，重复计入 {found['double_counted']}，"
              f"次序错误 {found['out_of_order']}，截止后成交 {found['after_close']}，其他错误 {len(outcome.errors)}")
        delays = close_latency(app, owner_id, result_id, bidder_ids, args.closes)
        print(f"截止到记录竞得人：中位 {statistics.median(delays):.2f} 秒，最长 {max(delays):.2f} 秒（{len(delays)} 场）")
        bad = found["lost"] + found["double_counted"] + found["out_of_order"] + found["after_close"] + len(outcome.errors)
        if bad:
            raise SystemExit("竞价检查未通过")


if __name__ == "__main__":
    main()
