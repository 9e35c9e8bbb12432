"""Helpers for contract tests: a seller, a buyer, officials and a draft."""
from datetime import date

from marketplace.contracts import amendments, services
from tests.factories import make_org, make_user

BASE_DATA = dict(contract_type="技术开发", subtype="委托开发", title="燃料电池催化剂委托开发",
                 tech_field="新材料及其应用", signed_on=date(2026, 3, 2))


def parties():
    seller = make_org("昆明理工大学（测试）", "高等院校", "530100")
    buyer = make_org("云南某能源公司（测试）", "企业", "530300")
    return seller, buyer


def officials():
    km = make_org("昆明市科学技术局（测试）", "机关", "530100")
    cd = make_org("成都市科学技术局（测试）", "机关", "510100")
    return make_user("official_a", "official", km), make_user("official_b", "official", km), \
        make_user("official_cd", "official", cd)


def draft(seller, buyer, user, amount_fen=1_000_000_00, deductions=None, key=None, **data):
    return services.create_contract(seller, buyer, user, {**BASE_DATA, **data}, amount_fen,
                                    deductions or {}, idempotency_key=key)


def register_path(contract, seller_user, official, on=None):
    """File, accept and register a small contract."""
    services.transition(contract, "file", seller_user, on=on)
    services.transition(contract, "accept", official, on=on)
    return services.transition(contract, "register", official, on=on)


def amendment_data(contract, **changes) -> dict:
    """The contract's current content with `changes`, as the amendment form hands it to the service."""
    data, buyer = amendments.content_of(contract)
    data.update({k: v for k, v in changes.items() if k in data})
    buyer.update({k.removeprefix("buyer_"): v for k, v in changes.items() if k.startswith("buyer_")})
    return {"data": data, "buyer": buyer}


def amend(contract, applicant, reviewers, reason, amount_fen=None, deductions=None, **changes):
    """Apply for an amendment and have it approved (a first and a second reviewer when it is large)."""
    parts = amendment_data(contract, **changes)
    amount = contract.contract_amount_fen if amount_fen is None else amount_fen
    application = amendments.apply_for(contract, applicant, reason, parts["data"], amount,
                                       contract.deductions if deductions is None else deductions, parts["buyer"])
    if amendments.is_large(application):
        amendments.decide(application, "first_review", reviewers[0])
        amendments.decide(application, "approve", reviewers[1])
    else:
        amendments.decide(application, "approve", reviewers[0])
    return application
