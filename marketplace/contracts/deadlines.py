"""Review deadlines in working days (weekends skipped)."""
from datetime import date, timedelta

from models.contract import LARGE_CONTRACT_FEN

STANDARD_WORKING_DAYS = 15
LARGE_WORKING_DAYS = 30


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (Saturday and Sunday are not working days)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def review_due(submitted: date, tech_amount_fen: int) -> date:
    """15 working days, or 30 for contracts with 技术交易额 ≥ 500 万元."""
    days = LARGE_WORKING_DAYS if tech_amount_fen >= LARGE_CONTRACT_FEN else STANDARD_WORKING_DAYS
    return add_working_days(submitted, days)
