"""Race-free registration numbers: year + office region code + six-digit serial."""
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from models import RegistrationCounter, db


def _bump(office_code: str, year: int) -> int | None:
    stmt = (update(RegistrationCounter)
            .where(RegistrationCounter.office_code == office_code, RegistrationCounter.year == year)
            .values(last_serial=RegistrationCounter.last_serial + 1)
            .returning(RegistrationCounter.last_serial)
            .execution_options(synchronize_session=False))
    return db.session.execute(stmt).scalar()


def next_serial(office_code: str, year: int) -> int:
    """Increment the office's counter under a row lock (PostgreSQL) or the write lock (SQLite)."""
    serial = _bump(office_code, year)
    if serial is not None:
        return serial
    try:
        with db.session.begin_nested():
            db.session.add(RegistrationCounter(office_code=office_code, year=year, last_serial=1))
        return 1
    except IntegrityError:
        # Another transaction created the counter first; its row is now there to lock.
        return _bump(office_code, year)


def registration_number(office_code: str, year: int) -> str:
    """E.g. 2026530100000123: registered in 2026 by the Kunming office, serial 123."""
    return f"{year}{office_code}{next_serial(office_code, year):06d}"


def last_serial(office_code: str, year: int) -> int:
    return db.session.scalar(select(RegistrationCounter.last_serial).where(
        RegistrationCounter.office_code == office_code, RegistrationCounter.year == year)) or 0
