"""What changed a published figure: amendments approved and registrations cancelled in a period.

A figure published for a period moves later when a contract registered in it is amended
(变更登记) or cancelled (撤销登记). This report counts those changes by the date they were
decided, for the contracts whose seller is in the region, so a reader can explain the move.
"""
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import func, select

from marketplace.stats.periods import Period
from marketplace.stats.services import _region_filter
from models import AmendmentStatus, Contract, ContractAmendment, ContractEvent, Region, db


@dataclass
class ChangeFigures:
    """How many contracts, and the effect on 合同成交额 and 技术交易额 (fen; negative lowers the figure)."""

    contracts: int = 0
    contract_fen: int = 0
    tech_fen: int = 0


def _span(period: Period) -> tuple[datetime, datetime]:
    return datetime.combine(period.start, time.min), datetime.combine(period.end, time.max)


def amended(region: Region | None, period: Period) -> ChangeFigures:
    """Amendments approved in the period: how many contracts, and how much the totals moved."""
    start, end = _span(period)
    rows = db.session.execute(
        select(ContractAmendment.contract_id, ContractAmendment.before, ContractAmendment.after)
        .join(Contract, Contract.id == ContractAmendment.contract_id)
        .where(ContractAmendment.status == AmendmentStatus.APPROVED, ContractAmendment.decided_at.between(start, end),
               _region_filter(Contract.seller_region, region))).all()
    figures = ChangeFigures(contracts=len({contract_id for contract_id, _, _ in rows}))
    for _, before, after in rows:
        for name, attribute in (("contract_amount_fen", "contract_fen"), ("tech_amount_fen", "tech_fen")):
            if name in after:
                setattr(figures, attribute, getattr(figures, attribute) + after[name] - before.get(name, after[name]))
    return figures


def cancelled(region: Region | None, period: Period) -> ChangeFigures:
    """Registrations cancelled in the period, with the amounts they took out of the totals."""
    start, end = _span(period)
    row = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Contract.contract_amount_fen), 0),
               func.coalesce(func.sum(Contract.tech_amount_fen), 0))
        .select_from(ContractEvent).join(Contract, Contract.id == ContractEvent.contract_id)
        .where(ContractEvent.action == "cancel", ContractEvent.at.between(start, end),
               _region_filter(Contract.seller_region, region))).one()
    return ChangeFigures(row[0], -int(row[1]), -int(row[2]))


def signed_wan(fen: int) -> str:
    """'+12.30万元', '−5.00万元', '0.00万元': how a figure moved."""
    from marketplace.money import wan_str

    if fen == 0:
        return wan_str(0)
    return ("+" if fen > 0 else "−") + wan_str(abs(fen))
