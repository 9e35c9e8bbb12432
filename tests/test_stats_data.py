"""Helpers for the statistics tests: registered contracts built through the ORM, and a brute-force recount."""
import itertools
from datetime import date

from sqlalchemy import select

from models import Contract, Region, db

_serial = itertools.count(1)


def add_contract(seller_region="530100", buyer_region="530300", registered_on=date(2025, 6, 11),
                 contract_fen=100_000_00, tech_fen=None, status="registered", flush=True, **extra) -> Contract:
    """A contract row (registered by default) with exact fen amounts; flush=False leaves it to the caller's
    flush, which rolls up many contracts in one statement."""
    n = next(_serial)
    tech_fen = contract_fen if tech_fen is None else tech_fen
    values = dict(contract_type="技术开发", title=f"统计测试合同{n}", tech_field="电子信息", seller_name=f"卖方{n}",
                  seller_type="企业", buyer_name=f"买方{n}", buyer_type="企业", signed_on=date(2020, 1, 1),
                  ip_types="")
    values.update(extra)
    number = values.pop("registration_no", f"T{n:08d}")
    contract = Contract(
        registration_no=number if status in ("registered", "cancelled") else None, status=status,
        seller_region=seller_region, buyer_region=buyer_region,
        registered_on=registered_on if status in ("registered", "cancelled") else None,
        contract_amount_fen=contract_fen, tech_amount_fen=tech_fen, deduct_other_fen=contract_fen - tech_fen,
        deduct_equipment_fen=0, deduct_instruments_fen=0, deduct_parts_fen=0, deduct_materials_fen=0, **values)
    db.session.add(contract)
    if flush:
        db.session.flush()
    return contract


def recount(contracts, start, end, codes, side="seller"):
    """Independent figures: (count, contract fen, tech fen) of registered contracts in plain Python."""
    picked = [c for c in contracts if c.status == "registered" and start <= c.registered_on <= end
              and getattr(c, f"{side}_region") in codes]
    return len(picked), sum(c.contract_amount_fen for c in picked), sum(c.tech_amount_fen for c in picked)


def province_codes(province_code):
    """Every region code of a province, the province itself included."""
    return set(db.session.scalars(select(Region.code).where(Region.province_code == province_code)))
