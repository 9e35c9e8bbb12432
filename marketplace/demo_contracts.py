"""Demo registered contracts over two years and several cities (a `flask seed-demo` step).

Contracts are filed by a demo broker for the seller and registered by the officials
of the seller's region, through the same services as the pages, so every one has a
history, a registration number and its share of the statistics. Safe to run twice:
each demo contract carries a fixed idempotency key.
"""
import random
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from marketplace.contracts import services
from models import Contract, ContractStatus, Organisation, db
from models.contract import CONTRACT_SUBTYPES, CONTRACT_TYPES, LARGE_CONTRACT_FEN
from models.vocab import TECH_FIELDS

CONTRACTS_PER_YEAR = 180  # DEMO_CONTRACTS_PER_YEAR in the app's config changes it (the tests seed fewer)
# Sellers outside the demo accounts, so every Yunnan city has a figure to rank.
EXTRA_SELLERS = [
    ("曲靖师范学院", "高等院校", "530300"), ("玉溪师范学院", "高等院校", "530400"), ("大理大学", "高等院校", "532900"),
    ("红河学院", "高等院校", "532500"), ("楚雄师范学院", "高等院校", "532300"), ("保山学院", "高等院校", "530500"),
    ("普洱市农业科学研究所", "科研机构", "530800"), ("文山三七研究院", "科研机构", "532600"),
    ("成都中医药大学", "高等院校", "510100"), ("中国工程物理研究院某所", "科研机构", "510700"),
]
BUYERS = [("云南磷化集团有限公司", "企业", "530100"), ("曲靖某新能源电池有限公司", "企业", "530300"),
          ("玉溪某卷烟配套企业", "企业", "530400"), ("红河某锡业公司", "企业", "532500"),
          ("四川某汽车零部件公司", "企业", "510100"), ("贵阳某大数据公司", "企业", "520100"),
          ("广东某医疗器械公司", "企业", "440300"), ("某县人民医院", "医疗卫生", "530100")]
STEMS = ["三七总皂苷提取", "高原特色果蔬保鲜", "磷石膏综合利用", "锂电正极材料", "稀贵金属回收", "智能灌溉",
         "桥梁健康监测", "中药配方颗粒", "咖啡精深加工", "工业视觉检测", "冷链追溯系统", "天麻良种繁育"]


# Demo mixes of the IP a contract involves; patents and know-how come up most often.
IP_MIXES = ["发明专利", "发明专利", "实用新型专利", "技术秘密", "计算机软件著作权", "", "发明专利;技术秘密",
            "实用新型专利;技术秘密", "外观设计专利", "植物新品种权", "集成电路布图设计专有权", "生物医药新品种", "其他"]


def _sellers(context) -> list[Organisation]:
    sellers = [org for key, org in context.orgs.items() if org.org_type in ("高等院校", "科研机构", "企业")
               and key not in ("agency",)]
    for name, org_type, region in EXTRA_SELLERS:
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            org = Organisation(name=name, org_type=org_type, region_code=region)
            db.session.add(org)
            context.count("organisations")
        sellers.append(org)
    db.session.flush()
    return sellers


def _registrars(context, region_code: str):
    """(first reviewer, second reviewer or None) in the seller's region.

    Only Kunming has two demo officials in scope (the city bureau and the province),
    so only Kunming sellers get large contracts, which need a second review.
    """
    if region_code.startswith("5301"):
        return context.users["official_km"], context.users["official_yn"]
    if region_code.startswith("53"):
        return context.users["official_yn"], None
    return context.users["official_sc"], None


def _register(contract: Contract, broker, registrars, on: date) -> None:
    first, second = registrars
    # Most demo sellers have no accounts: their confirmation of the broker's draft is taken as given.
    contract.seller_confirmed_at = datetime.combine(on - timedelta(days=7), datetime.min.time())
    services.record_event(contract, "confirm", None, contract.status, "演示数据：卖方已书面确认")
    services.transition(contract, "file", broker, on=on - timedelta(days=6))
    services.transition(contract, "accept", first, on=on - timedelta(days=4))
    if contract.is_large:
        services.transition(contract, "first_review", first, on=on - timedelta(days=2))
        services.transition(contract, "register", second, on=on)
    else:
        services.transition(contract, "register", first, on=on)


def _amount(rng: random.Random, large_allowed: bool) -> int:
    fen = int(rng.lognormvariate(13.2, 1.3)) * 100
    return fen if large_allowed else min(fen, LARGE_CONTRACT_FEN - 100)


def seed_registered_contracts(context) -> None:
    """About 180 registered contracts a year, last year and this year to date."""
    rng = random.Random(20260611)
    broker = context.users["broker_li"]
    sellers = _sellers(context)
    today = date.today()
    start = date(today.year - 1, 1, 2)
    span = (today - start).days
    total = current_app.config.get("DEMO_CONTRACTS_PER_YEAR", CONTRACTS_PER_YEAR) * span // 365
    created = 0
    for n in range(total):
        key = f"demo-contract-{n:05d}"
        seller = rng.choice(sellers)
        buyer_name, buyer_type, buyer_region = rng.choice(BUYERS)
        contract_type = rng.choice(CONTRACT_TYPES)
        registered = start + timedelta(days=span * n // total + rng.randrange(3))
        registered = min(registered, today)
        registrars = _registrars(context, seller.region_code)
        contract_fen = _amount(rng, large_allowed=registrars[1] is not None)
        equipment = contract_fen // 5 if rng.random() < 0.3 else 0
        if services.find_by_key(key) is not None:
            continue
        data = dict(contract_type=contract_type, subtype=(CONTRACT_SUBTYPES.get(contract_type) or (None,))[0],
                    title=f"{rng.choice(STEMS)}{contract_type}", tech_field=rng.choice(TECH_FIELDS),
                    ip_types=rng.choice(IP_MIXES),
                    signed_on=registered - timedelta(days=rng.randrange(10, 40)))
        contract = services.create_contract(seller, None, broker, data, contract_fen, {"equipment": equipment},
                                            idempotency_key=key,
                                            buyer_details={"name": buyer_name, "type": buyer_type,
                                                           "region": buyer_region}, broker=broker)
        _register(contract, broker, registrars, registered)
        created += 1
        if created % 100 == 0:
            context.echo(f"技术合同：已登记 {created} 份…")
            db.session.flush()
    context.count("contracts", created)
    _amend_and_cancel(context)
    registered_total = db.session.scalar(select(func.count()).select_from(Contract)
                                         .where(Contract.status == ContractStatus.REGISTERED))
    context.echo(f"技术合同：已登记 {registered_total} 份（本次新增 {created}）")


def _amend_and_cancel(context) -> None:
    """One 变更登记 (a supplementary agreement raises the amount) and one 撤销登记, once."""
    from marketplace.contracts import amendments

    amended, cancelled = services.find_by_key("demo-contract-00010"), services.find_by_key("demo-contract-00020")
    broker = context.users["broker_li"]
    if amended is not None and amended.status == ContractStatus.REGISTERED and not amended.amendments:
        first, second = _registrars(context, amended.seller_region)
        data, buyer = amendments.content_of(amended)
        application = amendments.apply_for(amended, broker, "双方签订补充协议，增加技术服务内容",
                                           data, amended.contract_amount_fen * 11 // 10, amended.deductions, buyer)
        if amendments.is_large(application):
            amendments.decide(application, "first_review", first)
            amendments.decide(application, "approve", second)
        else:
            amendments.decide(application, "approve", first)
    if cancelled is not None and cancelled.status == ContractStatus.REGISTERED:
        services.transition(cancelled, "cancel", _registrars(context, cancelled.seller_region)[0], "双方协议解除合同")
