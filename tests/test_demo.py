"""`flask seed-demo`: realistic, complete, and safe to run twice."""
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.auth.services import verify_password
from marketplace.demo_data import DEMO_PASSWORD
from marketplace.listings.services import review_queue
from models import (
    AmendmentStatus, ApplicationStatus, BountyApplication, BrokerProfile, Contract, ContractAmendment, ListingEvent,
    ListingStatus, Match, MatchStatus, MatchStep, Organisation, SearchChange, TechNeed, TechResult, Thread, ThreadPost,
    TenderProposal, Trade, User, db,
)
from models.user import ROLES
from models.vocab import TECH_FIELDS

COUNTED = (Organisation, User, TechResult, TechNeed, ListingEvent, BountyApplication)


def counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED}


@pytest.fixture(scope="module")
def app(module_app):
    """One seeded database for the module: these tests only read it (seeding again adds nothing)."""
    return module_app


@pytest.fixture(scope="module")
def seeded(app):
    app.config["DEMO_CONTRACTS_PER_YEAR"] = 60  # a third of `make run`'s: the same kinds of contract, seeded faster
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result


def test_seed_twice_gives_the_same_data(app, runner, seeded):
    with app.app_context():
        first = counts()
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert "本次新增：单位 0，账号 0，成果 0，需求 0，揭榜申请 0" in again.output
    with app.app_context():
        assert counts() == first
    assert first["Organisation"] >= 15 and first["TechResult"] >= 60 and first["TechNeed"] >= 30


def test_one_contract_is_amended_and_one_cancelled_even_after_a_second_seed(app, runner, seeded):
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        approved = db.session.scalars(select(ContractAmendment)).all()
        assert [a.status for a in approved] == [AmendmentStatus.APPROVED]
        assert approved[0].after["contract_amount_fen"] == approved[0].before["contract_amount_fen"] * 11 // 10
        assert db.session.scalar(select(func.count()).select_from(Contract).where(Contract.status == "cancelled")) == 1


def test_every_role_exists_and_the_printed_password_works(app, seeded):
    assert DEMO_PASSWORD in seeded.output
    with app.app_context():
        roles = set(db.session.scalars(select(User.role)))
        assert roles == set(ROLES)
        for username in ("inst_kust", "ent_baiyao", "broker_li", "official_km", "official_yn", "admin"):
            user = db.session.scalar(select(User).where(User.username == username))
            assert user is not None and verify_password(user, DEMO_PASSWORD), username
        km = db.session.scalar(select(User).where(User.username == "official_km"))
        assert km.organisation.name == "昆明市科学技术局" and km.organisation.region_code == "530100"
        yn = db.session.scalar(select(User).where(User.username == "official_yn"))
        assert yn.organisation.name == "云南省科学技术厅" and yn.organisation.region_code == "530000"


def test_listings_cover_fields_regions_and_states(app, seeded):
    with app.app_context():
        published = db.session.scalars(select(TechResult).where(TechResult.status == ListingStatus.PUBLISHED)).all()
        assert len(published) >= 50
        assert {r.field for r in published} == set(TECH_FIELDS)
        regions = {r.region_code for r in published}
        assert {"530100", "510100", "510700", "530300"} <= regions
        states = set(db.session.scalars(select(TechResult.status))) | set(db.session.scalars(select(TechNeed.status)))
        assert {ListingStatus.DRAFT, ListingStatus.PENDING, ListingStatus.PUBLISHED, ListingStatus.RETURNED} <= states
        assert db.session.scalar(select(func.count()).select_from(SearchChange)) > 0


def test_every_listing_has_a_consistent_history(app, seeded):
    with app.app_context():
        for listing in db.session.scalars(select(TechResult)).all() + db.session.scalars(select(TechNeed)).all():
            actions = [e.action for e in listing.events]
            assert actions[0] == "create" and listing.events[0].actor_id is not None
            assert listing.events[-1].to_status == listing.status or actions[-1].startswith("bounty_")
            if listing.status == ListingStatus.PUBLISHED:
                assert "approve" in actions and listing.published_at is not None
            if listing.status == ListingStatus.RETURNED:
                returned = next(e for e in listing.events if e.action == "return")
                assert returned.comment and returned.actor.role == "official"


def test_review_queues_are_not_empty(app, seeded):
    with app.app_context():
        kunming = db.session.scalar(select(User).where(User.username == "official_km"))
        sichuan = db.session.scalar(select(User).where(User.username == "official_sc"))
        assert review_queue(kunming, "result")
        assert review_queue(sichuan, "need")
        assert all(item.region_code.startswith("5301") for item in review_queue(kunming, "result"))


def test_bounties_have_rewards_deadlines_and_applications(app, seeded):
    with app.app_context():
        bounties = db.session.scalars(select(TechNeed).where(TechNeed.is_bounty.is_(True))).all()
        assert len(bounties) == 5
        for need in bounties:
            assert need.bounty_fen and need.bounty_fen == need.budget_fen
            assert need.deadline > date.today() and need.bounty_goals and need.bounty_conditions
            assert need.status == ListingStatus.PUBLISHED
        applications = db.session.scalars(select(BountyApplication)).all()
        assert len(applications) >= 5
        assert all(a.organisation.org_type in ("科研机构", "高等院校") for a in applications)
        selected = [a for a in applications if a.status == ApplicationStatus.SELECTED]
        assert len(selected) == 1 and selected[0].need.selected_application is selected[0]
        assert "bounty_select" in [e.action for e in selected[0].need.events]


def test_seed_demo_needs_an_initialised_database(tmp_path):
    from tests.conftest import POSTGRES_URL, build_app

    if POSTGRES_URL:
        pytest.skip("the shared PostgreSQL schema always exists")
    app = build_app(tmp_path)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1 and "flask init-db" in result.output
    with app.app_context():
        db.engine.dispose()


def _pipeline_counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (BrokerProfile, Match, MatchStep, Thread, ThreadPost))


def test_brokers_a_pipeline_and_threads_are_seeded_once(app, runner, seeded):
    with app.app_context():
        before = _pipeline_counts()
        statuses = set(db.session.scalars(select(Match.status)))
        assert before[0] == 2 and before[1] >= 6
        assert {MatchStatus.PROPOSED, MatchStatus.INTRODUCED, MatchStatus.NEGOTIATING, MatchStatus.SIGNED,
                MatchStatus.FAILED} <= statuses
        assert db.session.scalar(select(func.count(Match.id)).where(Match.broker_id.is_(None))) == 1
        signed = db.session.scalar(select(Match).where(Match.status == MatchStatus.SIGNED))
        contract = db.session.scalar(select(Contract).where(Contract.match_id == signed.id))
        assert contract is not None and contract.broker_id == signed.broker_id
        # the threads pair an enterprise with the institute of a brokered deal, the broker taking part
        assert before[3] == 2 and before[4] == 5
        assert all(thread.broker_id is not None for thread in db.session.scalars(select(Thread)))
        routes = dict(db.session.execute(select(Trade.route, Trade.bid_count)).all())
        assert routes == {"agreed": 0, "listed": 0, "auction": 3, "sealed": 0}
        assert db.session.scalar(select(func.count(TenderProposal.id))) == 1
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "对接 0 项" in again.output and "咨询留言：本次新增 0 个" in again.output
    assert "成果定价与交易：本次新增 0 项" in again.output and "技术需求招标：本次新增 0 项" in again.output
    with app.app_context():
        assert _pipeline_counts() == before


def test_payments_are_seeded_once_and_add_up(app, runner, seeded):
    from marketplace.stats import paid_rollup
    from models import Payment, PaymentMilestone

    with app.app_context():
        payments = db.session.scalars(select(Payment)).all()
        assert len(payments) >= 10 and db.session.scalar(select(func.count(PaymentMilestone.id))) >= 20
        paid = dict(db.session.execute(select(Contract.id, Contract.paid_fen).where(Contract.paid_fen > 0)).all())
        assert all(p.contract_id in paid for p in payments)
        assert sum(p.amount_fen for p in payments) == sum(paid.values())
        assert all(c.paid_fen <= c.contract_amount_fen for c in db.session.scalars(select(Contract)))
        assert paid_rollup.stored() and paid_rollup.verify()
    again = runner.invoke(args=["seed-demo"])
    assert "资金结算登记：本次新增 0 笔到账" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Payment.id))) == len(payments)
