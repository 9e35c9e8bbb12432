"""Look up a registration number for the public: its standing, date, type and the parties' names, nothing else."""
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from marketplace.contracts.certificate import Standing, standing_of
from models import Contract, ContractStatus, db

# Issued numbers are digits (year + office code + serial); imported records may carry letters and dashes.
_NUMBER = re.compile(r"[0-9A-Z-]{4,32}", re.ASCII)
_LONGEST_INPUT = 64  # anything longer is not a number: refused before any normalisation
_SEPARATORS = re.compile(r"[\s_]+")
_LONGEST_STORED = 32  # Contract.registration_no


@dataclass(frozen=True)
class Verification:
    """What anyone may learn from a registration number."""

    registration_no: str
    standing: Standing
    registered_on: date
    contract_type: str
    seller_name: str
    buyer_name: str


def normalise(raw: str | None) -> str | None:
    """'２０２６ 5301-00…' as typed or scanned → the canonical number, or None when it cannot be one."""
    if raw is None or len(raw) > _LONGEST_INPUT:
        return None
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()
    return text if _NUMBER.fullmatch(text) else None


def candidates(raw: str | None) -> list[str]:
    """Numbers to look for: the canonical form, and the input as written (imported records keep theirs)."""
    found = [number] if (number := normalise(raw)) else []
    written = (raw or "").strip()
    if written and written not in found and len(written) <= _LONGEST_STORED and written.isprintable():
        found.append(written)
    return found


def shown_input(raw: str, limit: int = 40) -> str:
    """The visitor's input, cut short and without control characters, to repeat it on the answer."""
    text = "".join(ch for ch in raw[:limit] if ch.isprintable())
    return text + ("…" if len(raw) > limit else "")


def verify(numbers: list[str]) -> Verification | None:
    """The registration behind one of the candidate numbers, or None (never registered, refused, or unknown)."""
    if not numbers:
        return None
    contract = db.session.scalar(select(Contract).where(
        Contract.registration_no.in_(numbers),
        Contract.status.in_((ContractStatus.REGISTERED, ContractStatus.CANCELLED))).limit(1))
    if contract is None:
        return None
    kind = contract.contract_type + (f"（{contract.subtype}）" if contract.subtype else "")
    return Verification(contract.registration_no, standing_of(contract), contract.registered_on, kind,
                        contract.seller_name, contract.buyer_name)
