"""Eight bidders at once on one ascending auction (two processes of four threads, as gunicorn workers): every
accepted bid is stored once, in order, none after the close, and the leading bid is the highest."""
from datetime import timedelta

import pytest

from bench import bidding
from marketplace.trading import services
from models import Trade, db
from models.base import utcnow
from tests import factories

WAN = 1_000_000
BIDS = 24  # the auction closes once it holds this many bids (however slow the machine)


@pytest.mark.slow
def test_concurrent_bidders_lose_nothing_and_count_nothing_twice(app):
    with app.app_context():
        org = factories.make_org(name="竞价测试研究院", org_type="科研机构")
        owner = factories.make_user("race_owner", org=org)
        result = factories.make_result(org, owner, title="竞价测试成果")
        trade = services.publish(owner, result, "auction", {
            "transfer_mode": "转让", "price_fen": 100 * WAN, "increment_fen": 1000, "extend_minutes": 0,
            "ends_at": utcnow() + timedelta(hours=1)})
        bidders = []
        for n in range(bidding.PROCESSES * bidding.THREADS):
            bidder = factories.make_user(f"bidder{n}", role="enterprise")
            party = services.register(bidder, trade, "")
            services.decide_party(owner, trade, party, True)
            bidders.append(bidder.id)
        db.session.commit()
        trade_id = trade.id
        config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SEARCH_INDEX_DIR",
                                             "INSTANCE_PATH", "JOBS_BACKEND")}
        config["TESTING"] = True

    def close_when_enough():
        with app.app_context():
            bidding.close_after(trade_id, BIDS)

    outcome = bidding.run(config, trade_id, bidders, lambda: None, linger=0.5, then=close_when_enough)
    assert outcome.errors == []
    with app.app_context():
        found = bidding.check(trade_id, outcome)
        assert found["bids"] >= BIDS and len({told[2] for told in outcome.accepted}) >= 4, (
            found, outcome.refused, outcome.reasons)  # the bidders really competed
        assert {k: v for k, v in found.items() if k != "bids"} == {
            "lost": 0, "unannounced": 0, "double_counted": 0, "out_of_order": 0, "seq_gaps": 0, "after_close": 0,
            "leading_is_highest": 1}
        assert outcome.reasons.get("竞价已截止，出价未被接受。"[:20]) and outcome.refused > 0  # late ones refused
        services.close(trade_id)
        db.session.commit()
        trade = db.session.get(Trade, trade_id)
        winner = max(outcome.accepted, key=lambda told: told[1])  # (key, amount, user, placed at)
        assert trade.status == "deal" and trade.final_price_fen == winner[1]
        assert trade.winner.user_id == winner[2]
