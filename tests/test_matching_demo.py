"""`flask seed-demo` also seeds broker profiles and matches across the pipeline, once."""
from sqlalchemy import func, select

from models import BrokerProfile, Contract, Match, MatchStatus, MatchStep, db


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (BrokerProfile, Match, MatchStep))


def test_demo_seeds_brokers_and_a_pipeline(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        before = _counts()
        statuses = set(db.session.scalars(select(Match.status)))
        assert before[0] == 2 and before[1] >= 6
        assert {MatchStatus.PROPOSED, MatchStatus.INTRODUCED, MatchStatus.NEGOTIATING, MatchStatus.SIGNED,
                MatchStatus.FAILED} <= statuses
        assert db.session.scalar(select(func.count(Match.id)).where(Match.broker_id.is_(None))) == 1
        signed = db.session.scalar(select(Match).where(Match.status == MatchStatus.SIGNED))
        contract = db.session.scalar(select(Contract).where(Contract.match_id == signed.id))
        assert contract is not None and contract.broker_id == signed.broker_id
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "对接 0 项" in again.output
    with app.app_context():
        assert _counts() == before
