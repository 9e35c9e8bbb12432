"""A world for the statement-count tests: users of every role and `add_*` functions that make n more rows.

Every added row differs from the last in what a per-row lazy load would fetch: another
organisation, region, creator, broker, actor or sender.
"""
import itertools
from datetime import date, timedelta

from marketplace.api.tokens import create_token
from marketplace.brokers.services import profile_of, save_profile
from marketplace.contracts import services as contract_services
from marketplace.listings import services as listing_services
from marketplace.matching import inbox, services as match_services
from marketplace.security_log import ACCOUNT_CREATED, record
from models import (
    Contract, ContractAttachment, ContractStatus, ListingStatus, Match, Organisation, TechNeed, TechResult, User, db,
)
from models.event import EventDeal, EventNeed, MatchEvent
from models.vocab import MATURITY_LEVELS, TECH_FIELDS
from tests.contract_helpers import BASE_DATA
from tests.factories import make_need, make_org, make_result, make_user

# Yunnan first (the official's province), then other provinces.
REGIONS = ("530100", "530300", "530400", "530500", "530600", "530700", "510100", "420100", "510300", "420200")
YUNNAN = REGIONS[:6]


def _new_party(world, role: str, regions=REGIONS, region: str | None = None):
    """A new organisation (region and type varying, or in `region`) with one user of `role`."""
    n = world.serial()
    org_type = {"institute": ("高等院校", "科研机构")[n % 2], "enterprise": "企业"}.get(role, "企业")
    org = make_org(f"单位{n:03d}（计数）", org_type, region or regions[n % len(regions)])
    return org, make_user(f"{role}_{n:03d}", role, org, display_name=f"用户{n}")


def _new_user(world, role: str) -> User:
    return _new_party(world, role)[1]


class World:
    """Named users and organisations (kept by id: each request has its own session) and the pages' targets."""

    def __init__(self):
        inst_org = make_org("昆明理工大学（计数）", "高等院校", "530100")
        ent_org = make_org("云南某能源公司（计数）", "企业", "530300")
        bureau = make_org("云南省科学技术厅（计数）", "机关", "530000")
        users = {"inst": make_user("inst", "institute", inst_org), "ent": make_user("ent", "enterprise", ent_org),
                 "broker": make_user("broker", "broker"), "official": make_user("official", "official", bureau),
                 "admin": make_user("admin", "admin")}
        self.user_ids = {name: user.id for name, user in users.items()}
        self.org_ids = {"inst": inst_org.id, "ent": ent_org.id}
        self.tokens = {name: create_token(user, "计数") for name, user in users.items()}
        self.targets: dict[str, int] = {}
        self._numbers = itertools.count(1)  # each test numbers its rows alike, so it sees the same regions
        db.session.commit()

    def serial(self) -> int:
        return next(self._numbers)

    def user(self, name: str) -> User:
        return db.session.get(User, self.user_ids[name])

    def org(self, name: str) -> Organisation:
        return db.session.get(Organisation, self.org_ids[name])

    def target(self, name: str, model, make):
        """The one object a detail page shows, made on first use."""
        if name not in self.targets:
            self.targets[name] = make().id
        return db.session.get(model, self.targets[name])


def _result(org, user, n: int, **fields) -> TechResult:
    values = dict(field=TECH_FIELDS[n % len(TECH_FIELDS)], maturity=MATURITY_LEVELS[n % 4], title=f"燃料电池催化剂成果{n}",
                  price_fen=None if n % 3 == 0 else n * 1_000_000, region_code=org.region_code)
    return make_result(org, user, **{**values, **fields})


def _need(org, user, n: int, **fields) -> TechNeed:
    values = dict(field=TECH_FIELDS[n % len(TECH_FIELDS)], title=f"电池包热管理需求{n}", region_code=org.region_code,
                  budget_fen=None if n % 3 == 0 else n * 1_000_000, deadline=date.today() + timedelta(days=10 + n),
                  is_bounty=bool(n % 2))
    return make_need(org, user, **{**values, **fields})


def add_results(world: World, count: int, regions=REGIONS, **fields) -> None:
    for _ in range(count):
        org, user = _new_party(world, "institute", regions)
        _result(org, user, org.id, **fields)


def add_needs(world: World, count: int, regions=REGIONS, **fields) -> None:
    for _ in range(count):
        org, user = _new_party(world, "enterprise", regions)
        _need(org, user, org.id, **fields)


def add_listings(world: World, count: int) -> None:
    add_results(world, count)
    add_needs(world, count)


def add_pending(world: World, count: int) -> None:
    """Listings waiting for review in the official's province."""
    for _ in range(count):
        org, user = _new_party(world, "institute", YUNNAN)
        _result(org, user, org.id, status=ListingStatus.PENDING)
        _need(org, user, org.id, status=ListingStatus.PENDING)


def _history(world, listing, count: int) -> None:
    for _ in range(count):
        listing_services.record_event(listing, "edit", _new_user(world, "official"), listing.status, "计数用的历史记录")


def add_result_history(world: World, count: int) -> None:
    result = world.target("result", TechResult, lambda: _result(world.org("inst"), world.user("inst"), 1))
    _history(world, result, count)


def _bounty(world: World) -> TechNeed:
    return world.target("bounty", TechNeed, lambda: _need(world.org("ent"), world.user("ent"), 1))


def add_applications(world: World, count: int) -> None:
    """揭榜 applications from different institutes to the enterprise's bounty need."""
    need = _bounty(world)
    for _ in range(count):
        listing_services.apply_to_bounty(need, _new_user(world, "institute"), "我单位具备攻关基础。")


def add_own_listings(world: World, count: int) -> None:
    """The institute's listings in every status (returned ones with their reason) and applications it sent."""
    org, user = world.org("inst"), world.user("inst")
    statuses = (ListingStatus.RETURNED, ListingStatus.PUBLISHED, ListingStatus.PENDING, ListingStatus.DRAFT)
    for i in range(count):
        result = _result(org, user, i, status=statuses[i % len(statuses)])
        if result.status == ListingStatus.RETURNED:
            reviewer = _new_user(world, "official")
            listing_services.record_event(result, "return", reviewer, ListingStatus.PENDING, f"退回{i}")
        need_org, need_user = _new_party(world, "enterprise")
        listing_services.apply_to_bounty(_need(need_org, need_user, 1), user, "我单位具备攻关基础。")


def _contract(seller, buyer, actor, broker=None, n: int = 0) -> Contract:
    data = {**BASE_DATA, "title": f"技术开发合同{n}", "tech_field": TECH_FIELDS[n % len(TECH_FIELDS)]}
    return contract_services.create_contract(seller, buyer, actor, data, (n + 1) * 10_000_000, {}, broker=broker)


def add_contracts(world: World, count: int) -> None:
    """The institute's contracts with different buyers and brokers, filed, accepted or registered."""
    inst, official = world.user("inst"), world.user("official")
    for i in range(count):
        broker = world.user("broker") if i % 2 else _new_user(world, "broker")
        contract = _contract(world.org("inst"), _new_party(world, "enterprise")[0], inst, broker, i)
        contract_services.transition(contract, "file", inst)
        for action in ("accept", "register")[:i % 3]:
            contract_services.transition(contract, action, official)


def add_contract_history(world: World, count: int) -> None:
    """History rows by different actors and attachments on one filed contract."""
    contract = world.target("contract", Contract, lambda: _contract(world.org("inst"), world.org("ent"),
                                                                    world.user("inst"), world.user("broker")))
    for i in range(count):
        contract_services.record_event(contract, "edit", _new_user(world, "official"), contract.status, f"修改{i}")
        db.session.add(ContractAttachment(contract_id=contract.id, filename=f"合同{i}.pdf",
                                          content_type="application/pdf", size_bytes=1024 + i, sha256="0" * 64,
                                          uploaded_by_id=_new_user(world, "institute").id))
    if contract.status == ContractStatus.DRAFT:
        contract_services.transition(contract, "file", world.user("inst"))


def add_registered(world: World, count: int) -> None:
    """Registered contracts of sellers and buyers in different regions, with different brokers (for statistics).

    Sellers are in Kunming first, so a page about Kunming has figures (and ranks) with few rows as with many.
    """
    for i in range(count):
        seller, user = _new_party(world, "institute", region=REGIONS[i % len(REGIONS)])
        contract = _contract(seller, _new_party(world, "enterprise")[0], user, _new_user(world, "broker"), i)
        contract.status, contract.registered_on = ContractStatus.REGISTERED, date.today()
        contract.registration_no = f"NPLUS{world.serial():08d}"
        db.session.flush()


def add_events(world: World, count: int) -> None:
    """Matchmaking events, each with a pushed need and a signed deal."""
    for i in range(count):
        event = MatchEvent(name=f"科技入滇对接会{i}", region_code=YUNNAN[i % len(YUNNAN)],
                           held_on=date.today() - timedelta(days=i), venue="昆明")
        db.session.add(event)
        db.session.flush()
        _event_rows(world, event, i)


def _event_rows(world, event: MatchEvent, i: int) -> None:
    org, user = _new_party(world, "enterprise")
    db.session.add(EventNeed(event_id=event.id, need_id=_need(org, user, i).id))
    seller, seller_user = _new_party(world, "institute")
    contract = _contract(seller, org, seller_user, n=i)
    contract.status, contract.registered_on = ContractStatus.REGISTERED, date.today()
    contract.registration_no = f"NPLUS{world.serial():08d}"
    db.session.add(EventDeal(event_id=event.id, title=f"签约项目{i}", seller_name=seller.name, buyer_name=org.name,
                             amount_fen=(i + 1) * 1_000_000, contract_id=contract.id))
    db.session.flush()


def add_event_rows(world: World, count: int) -> None:
    event = world.target("event", MatchEvent, lambda: _flushed(MatchEvent(name="科技入滇对接会", region_code="530100",
                                                                         held_on=date.today())))
    for i in range(count):
        _event_rows(world, event, i)


def _flushed(row):
    db.session.add(row)
    db.session.flush()
    return row


def add_brokers(world: World, count: int) -> None:
    for i in range(count):
        save_profile(_new_user(world, "broker"), ("junior", "intermediate", "senior")[i % 3], f"证书{i}",
                     [TECH_FIELDS[i % len(TECH_FIELDS)]], [REGIONS[i % len(REGIONS)]], "从业多年", True)


def add_service_regions(world: World, count: int) -> None:
    """More regions on the broker's own profile (the profile page names each)."""
    broker = world.user("broker")
    served = len(profile.region_list) if (profile := profile_of(broker)) else 0
    profile = save_profile(broker, "senior", "证书", list(TECH_FIELDS[:2]), list(REGIONS[:served + count]), "从业多年", True)
    world.targets["broker_profile"] = profile.id


def _match(world, broker, need_side=None, result_side=None) -> Match:
    need_org, need_user = need_side or _new_party(world, "enterprise")
    result_org, result_user = result_side or _new_party(world, "institute")
    n = world.serial()
    return match_services.propose(broker, _need(need_org, need_user, n), _result(result_org, result_user, n), "推荐")


def add_matches(world: World, count: int) -> None:
    """Matches of the world's broker (board) and of the institute's results with other brokers (mine)."""
    inst_side = (world.org("inst"), world.user("inst"))
    for i in range(count):
        _match(world, world.user("broker"))
        _match(world, world.user("broker") if i % 2 else _new_user(world, "broker"), result_side=inst_side)


def add_match_steps(world: World, count: int) -> None:
    match = world.target("match", Match, lambda: _match(world, world.user("broker"), result_side=(world.org("inst"),
                                                                                          world.user("inst"))))
    for i in range(count):
        match_services.record_step(match, "note", _new_user(world, "broker"), match.status, f"跟进{i}")


def add_suggested_results(world: World, count: int) -> None:
    world.target("need", TechNeed, lambda: _need(world.org("ent"), world.user("ent"), 2, keywords="燃料电池;催化剂"))
    add_results(world, count, keywords="燃料电池;催化剂")


def add_suggested_needs(world: World, count: int) -> None:
    world.target("result", TechResult, lambda: _result(world.org("inst"), world.user("inst"), 2))
    add_needs(world, count, keywords="燃料电池;铂基催化剂")


def add_messages(world: World, count: int) -> None:
    """Messages to the institute from different senders, some about a match."""
    inst = world.user("inst")
    for i in range(count):
        match = _match(world, _new_user(world, "broker")) if i % 2 else None
        inbox.send(inst, _new_user(world, "enterprise"), f"消息{i}", "正文", match)


def add_members(world: World, count: int) -> None:
    """Members of the institute and people asking to join it."""
    for i in range(count):
        make_user(f"member_{world.serial():03d}", "institute", world.org("inst"))
        make_user(f"applicant_{world.serial():03d}", "institute", world.org("inst"), awaiting_approval=True,
                  is_active_account=False)


def add_tokens(world: World, count: int) -> None:
    for i in range(count):
        create_token(world.user("inst"), f"令牌{i}")


def add_accounts(world: World, count: int) -> None:
    """Users of every role in new organisations (admin lists)."""
    for i in range(count):
        _new_user(world, ("institute", "enterprise", "broker", "official")[i % 4])


def add_log_entries(world: World, count: int) -> None:
    for i in range(count):
        org, user = _new_party(world, "enterprise")
        record(ACCOUNT_CREATED, _new_user(world, "official"), subject_user=user, organisation=org, detail=f"条目{i}")
