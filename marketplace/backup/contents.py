"""What a database holds, as a backup manifest records it: tables, row counts, money, files."""
import os
from types import SimpleNamespace

from sqlalchemy import column, func, inspect, select, table

from models import Contract, ContractAttachment, ContractStatus


def table_counts(conn) -> dict[str, int]:
    """Rows in every table of the database, the migrations' version table included."""
    names = sorted(inspect(conn).get_table_names())
    return {name: conn.scalar(select(func.count()).select_from(table(name))) for name in names}


def schema_revision(conn) -> str | None:
    """The Alembic revision the database is at (None before migrations existed)."""
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.scalar(select(column("version_num")).select_from(table("alembic_version")))


def money_totals(conn) -> dict:
    """Registered contracts and their amounts in fen: a figure a person can check after a restore."""
    contracts = Contract.__table__
    count, amount, tech = conn.execute(
        select(func.count(), func.coalesce(func.sum(contracts.c.contract_amount_fen), 0),
               func.coalesce(func.sum(contracts.c.tech_amount_fen), 0))
        .where(contracts.c.status == ContractStatus.REGISTERED)).one()
    return {"registered_contracts": count, "contract_amount_fen": int(amount), "tech_amount_fen": int(tech)}


def attachment_digests(conn) -> list[str]:
    """SHA-256 names of the attachment files the database refers to."""
    attachments = ContractAttachment.__table__
    return sorted(set(conn.scalars(select(attachments.c.sha256))))


def describe(conn) -> dict:
    """The manifest's picture of the database behind `conn` (one consistent snapshot)."""
    return {"schema_revision": schema_revision(conn), "tables": table_counts(conn), "totals": money_totals(conn),
            "attachments": attachment_digests(conn)}


def attachment_file(digest: str) -> str:
    """Where the app keeps an attachment's bytes (the contracts area decides the layout)."""
    from marketplace.contracts.services import attachment_path

    return attachment_path(SimpleNamespace(sha256=digest))


def dictionary_file(app) -> str | None:
    """The admins' search dictionary, when it exists."""
    path = app.config.get("SEARCH_DICT_FILE")
    return path if path and os.path.exists(path) else None
