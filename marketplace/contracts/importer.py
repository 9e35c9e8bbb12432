"""Bulk import of already-registered contracts (`flask contracts import FILE`).

One streaming pass validates every row and collects every problem; a file with
any bad row imports nothing (the transaction is rolled back). Contract numbers
already in the database are skipped, so importing the same file twice changes
nothing.
"""
import hashlib
import os
import re
import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select

from marketplace.ip_rights import IpProblem, parse_rights
from marketplace.money import MoneyError, parse_yuan
from marketplace.stats import rollup as stats_rollup
from marketplace.contracts import year_close
from marketplace.tabular import header_problems, iter_table, row_dict
from models import Contract, ContractImport, ContractStatus, Organisation, Region, db
from models.contract import CONTRACT_TYPES
from models.vocab import ORG_TYPES, TECH_FIELDS, join_list

CONTRACT_COLUMNS = ("contract_no", "contract_type", "title", "seller_name", "seller_type", "seller_region",
                    "buyer_name", "buyer_type", "buyer_region", "contract_amount", "tech_amount", "signed_on",
                    "registered_on", "tech_field")
OPTIONAL_COLUMNS = ("ip",)  # 涉及知识产权, written as on listings (发明 ZL…；软著 …); numbers are checked, not stored
BATCH_SIZE = 5000
PROGRESS_EVERY = 100_000
MAX_PROBLEMS_SHOWN = 5000
EARLIEST = date(1985, 1, 1)  # the first technology contract registrations


class ContractImportFailed(Exception):
    def __init__(self, problems: list[str], bad_rows: int):
        super().__init__(f"{bad_rows} 行有错误")
        self.problems = problems
        self.bad_rows = bad_rows


@dataclass
class ImportReport:
    rows: int
    added: int
    skipped: int
    seconds: float


# Control characters and invisible format characters (zero-width, bidi overrides), as the listing importer refuses.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]")


def _text(cells, name, limit, problems, line, required=True):
    value = cells[name]
    if value is None:
        return None
    if required and not value:
        problems.append(f"第 {line} 行：列 {name}：不能为空")
    elif len(value) > limit:
        problems.append(f"第 {line} 行：列 {name}：超过 {limit} 字")
    elif _CONTROL.search(value):
        problems.append(f"第 {line} 行：列 {name}：含有控制字符或不可见字符")
    return value


def _choice(cells, name, allowed, problems, line):
    value = cells[name]
    if value is not None and value not in allowed:
        problems.append(f"第 {line} 行：列 {name}：“{value[:20]}”不是有效值（{'、'.join(allowed)}）")
    return value


def _region(cells, name, regions, problems, line):
    value = cells[name]
    if value is not None and value not in regions:
        problems.append(f"第 {line} 行：列 {name}：未知地区代码“{value[:12]}”")
    return value


def _amount(cells, name, problems, line):
    value = cells[name]
    if value is None:
        return None
    try:
        return parse_yuan(value)
    except MoneyError as exc:
        problems.append(f"第 {line} 行：列 {name}：{exc}")
        return None


def _date(cells, name, problems, line, today):
    value = cells[name]
    if value is None:
        return None
    try:
        parsed = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None:
        problems.append(f"第 {line} 行：列 {name}：日期应为 YYYY-MM-DD（实际“{value[:20]}”）")
    elif not EARLIEST <= parsed <= today:
        problems.append(f"第 {line} 行：列 {name}：日期 {value} 超出合理范围")
        return None
    return parsed


def _ip(cells, problems, line):
    value = cells.get("ip") or ""
    if len(value) > 1000:
        problems.append(f"第 {line} 行：列 ip：超过 1000 字")
        return ""
    try:
        return join_list(parse_rights(value)[0])
    except IpProblem as exc:
        problems.append(f"第 {line} 行：列 ip：{exc}")
        return ""


def parse_row(cells: dict, line: int, regions: set[str], today: date) -> tuple[dict | None, list[str]]:
    """Validate one row; returns the contract columns or the row's problems."""
    problems: list[str] = []
    number = _text(cells, "contract_no", 32, problems, line)
    values = {
        "contract_type": _choice(cells, "contract_type", CONTRACT_TYPES, problems, line),
        "title": _text(cells, "title", 200, problems, line),
        "seller_name": _text(cells, "seller_name", 100, problems, line),
        "seller_type": _choice(cells, "seller_type", ORG_TYPES, problems, line),
        "seller_region": _region(cells, "seller_region", regions, problems, line),
        "buyer_name": _text(cells, "buyer_name", 100, problems, line),
        "buyer_type": _choice(cells, "buyer_type", ORG_TYPES, problems, line),
        "buyer_region": _region(cells, "buyer_region", regions, problems, line),
        "tech_field": _choice(cells, "tech_field", TECH_FIELDS, problems, line),
    }
    contract_fen = _amount(cells, "contract_amount", problems, line)
    tech_fen = _amount(cells, "tech_amount", problems, line)
    ip_types = _ip(cells, problems, line)
    signed = _date(cells, "signed_on", problems, line, today)
    registered = _date(cells, "registered_on", problems, line, today)
    if contract_fen is not None and tech_fen is not None and tech_fen > contract_fen:
        problems.append(f"第 {line} 行：技术交易额 {cells['tech_amount']} 大于合同成交额 {cells['contract_amount']}")
    if signed and registered and registered < signed:
        problems.append(f"第 {line} 行：登记日期早于签订日期")
    if problems:
        return None, problems
    values.update(
        registration_no=number, contract_no=number, status=ContractStatus.REGISTERED,
        contract_amount_fen=contract_fen, tech_amount_fen=tech_fen, deduct_other_fen=contract_fen - tech_fen,
        deduct_equipment_fen=0, deduct_instruments_fen=0, deduct_parts_fen=0, deduct_materials_fen=0,
        signed_on=signed, registered_on=registered, ip_types=ip_types,
    )
    return values, []


def _rows(path: str, regions: set[str], today: date):
    """Yield (line, contract number, values, problems) per data row; header problems raise at once."""
    header, rows = iter_table(path)
    problems = header_problems(header, CONTRACT_COLUMNS, OPTIONAL_COLUMNS)
    if problems:
        raise ContractImportFailed(problems, 0)
    closed = year_close.closed_years()
    for row in rows:
        cells, cell_problems = row_dict(header, row)
        values, row_problems = parse_row(cells, row.line, regions, today)
        if values is not None and year_close.covered(closed, values["seller_region"], values["registered_on"]):
            row_problems.append(f"第 {row.line} 行：{values['registered_on'].year} 年度已结账，不能再登记该年度的合同")
        yield row.line, cells["contract_no"], values, cell_problems + row_problems


def _file_digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _insert_batch(batch: list[dict], import_id: int, organisations: dict[str, int]) -> int:
    numbers = [values["registration_no"] for values in batch]
    existing = set(db.session.scalars(select(Contract.registration_no).where(Contract.registration_no.in_(numbers))))
    fresh = []
    for values in batch:
        if values["registration_no"] in existing:
            continue
        values["seller_org_id"] = organisations.get(values["seller_name"])
        values["buyer_org_id"] = organisations.get(values["buyer_name"])
        values["import_batch_id"] = import_id
        fresh.append(values)
    if fresh:
        db.session.connection().execute(insert(Contract.__table__), fresh)
    return len(fresh)


class _Problems:
    """Every problem of the file, capped for display, with the count of bad rows."""

    def __init__(self):
        self.messages: list[str] = []
        self.bad_rows = 0

    def add(self, row_problems: list[str]) -> None:
        self.bad_rows += 1
        if len(self.messages) < MAX_PROBLEMS_SHOWN:
            self.messages.extend(row_problems)

    def raise_if_any(self) -> None:
        if self.bad_rows:
            if len(self.messages) >= MAX_PROBLEMS_SHOWN:
                self.messages.append(f"……仅列出前 {MAX_PROBLEMS_SHOWN} 处错误")
            raise ContractImportFailed(self.messages, self.bad_rows)


def import_contracts_file(path: str, progress=None, imported_by: str = "cli",
                          progress_every: int = PROGRESS_EVERY) -> ImportReport:
    """Validate and import registered contracts in one streaming pass; all or nothing.

    Rows are inserted in batches while the file is clean; after the first bad row
    the rest is only validated, and the caller rolls the transaction back.
    Flushes, never commits.
    """
    started = time.perf_counter()
    record = ContractImport(filename=os.path.basename(path)[:255], sha256=_file_digest(path),
                            imported_by=imported_by)
    db.session.add(record)
    db.session.flush()
    organisations = dict(db.session.execute(select(Organisation.name, Organisation.id)).all())
    regions = set(db.session.scalars(select(Region.code)))
    problems, seen, batch = _Problems(), {}, []
    total = added = 0
    for line, number, values, row_problems in _rows(path, regions, date.today()):
        total += 1
        first = seen.setdefault(number, line) if number else line
        if first != line:
            row_problems = row_problems + [f"第 {line} 行：列 contract_no：与第 {first} 行重复"]
        if row_problems:
            problems.add(row_problems)
            batch = []
        elif not problems.bad_rows:
            batch.append(values)
            if len(batch) >= BATCH_SIZE:
                added += _insert_batch(batch, record.id, organisations)
                batch = []
        if progress and total % progress_every == 0:
            rate = total / (time.perf_counter() - started)
            progress(f"已处理 {total:,} 行（{rate:,.0f} 行/秒），错误 {problems.bad_rows:,} 行…")
    if total == 0:
        raise ContractImportFailed(["文件中没有数据行。"], 0)
    problems.raise_if_any()
    if batch:
        added += _insert_batch(batch, record.id, organisations)
    stats_rollup.add_imported(record.id)
    record.rows_total, record.rows_added, record.rows_skipped = total, added, total - added
    db.session.flush()
    return ImportReport(total, added, total - added, time.perf_counter() - started)
