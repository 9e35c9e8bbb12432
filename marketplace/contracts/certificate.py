"""What a registration certificate (登记证明) and the public verification page say about a contract."""
from dataclasses import dataclass
from datetime import date

from flask import url_for

from marketplace.regions import region_full_name
from models import Contract, ContractStatus
from models.contract import DEDUCTION_KINDS

VALID, AMENDED, CANCELLED = "valid", "amended", "cancelled"
STANDING_LABELS = {VALID: "已登记，有效", AMENDED: "已变更登记，有效", CANCELLED: "已撤销"}


@dataclass(frozen=True)
class Standing:
    """Where a registration stands: valid, amended (with the last amendment's date) or cancelled."""

    state: str
    amended_on: date | None = None

    @property
    def label(self) -> str:
        return STANDING_LABELS[self.state]


@dataclass(frozen=True)
class Party:
    name: str
    org_type: str
    region: str


@dataclass(frozen=True)
class Certificate:
    """Everything a certificate prints, as display-ready values (amounts stay integer fen)."""

    contract: Contract
    standing: Standing
    seller: Party
    buyer: Party
    deductions: list[tuple[str, int]]
    office: str
    verify_url: str
    route: str = ""  # how the price was fixed, for a contract drafted from a trade (协议定价 / 挂牌 / 拍卖)

    @property
    def deducted_fen(self) -> int:
        return sum(fen for _, fen in self.deductions)


def standing_of(contract: Contract) -> Standing:
    """A cancelled registration stays cancelled; otherwise an 'amend' step makes it amended."""
    if contract.status == ContractStatus.CANCELLED:
        return Standing(CANCELLED)
    amendments = [event.at.date() for event in contract.events if event.action == "amend"]
    return Standing(AMENDED, max(amendments)) if amendments else Standing(VALID)


def issuing_office(contract: Contract) -> str:
    """The registrar's organisation; imported records without one name the office's region."""
    for event in reversed(contract.events):
        if event.action == "register" and event.actor is not None and event.actor.organisation is not None:
            return event.actor.organisation.name
    code = (contract.registration_no or "")[4:10] or contract.seller_region
    return f"{region_full_name(code)}技术合同登记机构"


def verify_url(registration_no: str) -> str:
    """The absolute address of the public verification page for a number (what the QR code holds)."""
    return url_for("verification.number", registration_no=registration_no, _external=True)


def certificate_for(contract: Contract) -> Certificate:
    """The certificate of a registered (possibly amended) contract."""
    return Certificate(
        contract=contract, standing=standing_of(contract),
        seller=Party(contract.seller_name, contract.seller_type, region_full_name(contract.seller_region)),
        buyer=Party(contract.buyer_name, contract.buyer_type, region_full_name(contract.buyer_region)),
        deductions=[(label, contract.deductions[kind]) for kind, label in DEDUCTION_KINDS],
        office=issuing_office(contract), verify_url=verify_url(contract.registration_no), route=route_of(contract))


def route_of(contract: Contract) -> str:
    """'拍卖（增价竞价），交易编号 12' for a contract drafted from a trade, else ''."""
    trade = contract.trade
    return f"{trade.route_label}，交易编号 {trade.id}" if trade is not None else ""
