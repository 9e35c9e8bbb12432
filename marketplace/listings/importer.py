"""Bulk import of published results and needs from CSV or XLSX.

Every row is checked first and every problem is reported as
"第 N 行：列 xxx：原因"; a file with any problem imports nothing. Rows whose
organisation already has a listing of the same kind and title are skipped, so
importing the same file twice creates no duplicates.
"""
import os

from flask import current_app
from sqlalchemy import insert, select

import search_index
from marketplace.listings.import_checks import RowChecker
from marketplace.listings.services import LISTING_MODELS, record_events
from marketplace.tabular import TabularError, header_problems, read_table, row_dict
from models import ListingStatus, Organisation, Region, db
from models.base import utcnow

RESULT_COLUMNS = ("title", "org_name", "org_type", "region_code", "field", "keywords", "summary", "maturity",
                  "ip", "transfer_modes", "price_wan")
NEED_COLUMNS = ("title", "org_name", "org_type", "region_code", "field", "keywords", "description",
                "budget_wan", "deadline", "bounty")
COLUMNS = {"result": RESULT_COLUMNS, "need": NEED_COLUMNS}
PROGRESS_EVERY = 1000  # rows per progress line and per INSERT batch
_QUERY_CHUNK = 500


class ImportFailed(Exception):
    """The file was refused; `problems` lists every reason, nothing was stored."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _silent(_message: str) -> None:
    return None


def import_listings_file(path: str, kind: str, progress=_silent) -> int:
    """Import a CSV/XLSX file of results or needs, commit, then index them; returns the number imported."""
    if kind not in COLUMNS:
        raise ImportFailed([f"未知类型：{kind}（应为 result 或 need）"])
    try:
        table = read_table(path)
    except TabularError as exc:
        raise ImportFailed([str(exc)]) from None
    except OSError:
        raise ImportFailed(["无法打开文件。"]) from None
    try:
        count = import_listings(table, kind, os.path.basename(path), progress)
    except ImportFailed:
        db.session.rollback()
        raise
    db.session.commit()
    if count and current_app.config.get("SEARCH_AUTO_SYNC", True):
        _index_new(progress)
    return count


def _index_new(progress) -> None:
    """Apply the import's outbox rows now, with progress; a failure leaves them to the next sync."""
    progress("正在写入搜索索引…")
    try:
        search_index.sync_counts(current_app._get_current_object(), lock_timeout=60.0, progress=progress)
    except search_index.IndexStale as exc:
        progress(f"搜索索引需要重建（{exc}），请运行 flask search reindex。")
    except search_index.IndexBusy:
        progress("搜索索引正被其他进程写入，新记录将在下次同步时加入索引（flask search sync）。")


def import_listings(table, kind: str, file_name: str, progress=_silent) -> int:
    """Validate every row of `table`, then insert the new listings as published (flushes only)."""
    columns = COLUMNS[kind]
    problems = header_problems(table.header, columns)
    if problems:
        raise ImportFailed(problems)
    if not table.rows:
        raise ImportFailed(["文件中没有数据行（第 1 行为表头）。"])
    rows = [(row.line, *row_dict(table.header, row)) for row in table.rows]
    # Only names that can be valid are looked up (a NUL byte is an error on PostgreSQL); the checker refuses the rest.
    names = {cells["org_name"] for _line, cells, _p in rows if cells.get("org_name", "").isprintable()}
    orgs = _existing_organisations(names)
    checker = RowChecker(kind, _region_codes(), orgs)
    accepted, problems = [], []
    for done, (line, cells, cell_problems) in enumerate(rows, start=1):
        data, row_problems = checker.check(line, cells)
        problems.extend(cell_problems + row_problems)
        if data is not None and not cell_problems:
            accepted.append((line, data))
        if done % PROGRESS_EVERY == 0:
            progress(f"已校验 {done} 行…")
    if problems:
        raise ImportFailed(problems)
    fresh, skipped = _drop_existing(kind, accepted, orgs)
    if skipped:
        progress(f"跳过 {skipped} 条已存在")
    _create_organisations(checker.new_organisations, orgs)
    _insert_listings(kind, fresh, orgs, file_name, progress)
    return len(fresh)


def _region_codes() -> set[str]:
    return set(db.session.scalars(select(Region.code)))


def _existing_organisations(names: set[str]) -> dict[str, Organisation]:
    found = {}
    ordered = sorted(names)
    for start in range(0, len(ordered), _QUERY_CHUNK):
        chunk = ordered[start:start + _QUERY_CHUNK]
        for org in db.session.scalars(select(Organisation).where(Organisation.name.in_(chunk))):
            found[org.name] = org
    return found


def _drop_existing(kind: str, accepted: list, orgs: dict) -> tuple[list, int]:
    """Leave out rows whose organisation already has a listing of this kind with that title."""
    model = LISTING_MODELS[kind]
    org_ids = sorted({org.id for org in orgs.values()})
    taken = set()
    for start in range(0, len(org_ids), _QUERY_CHUNK):
        chunk = org_ids[start:start + _QUERY_CHUNK]
        rows = db.session.execute(select(model.organisation_id, model.title).where(model.organisation_id.in_(chunk)))
        taken.update((org_id, title) for org_id, title in rows)
    fresh = []
    for line, data in accepted:
        org = orgs.get(data["org_name"])
        if org is not None and (org.id, data["title"]) in taken:
            continue
        fresh.append((line, data))
    return fresh, len(accepted) - len(fresh)


def _create_organisations(new_organisations: dict, orgs: dict) -> None:
    created = [Organisation(name=name, org_type=org_type, region_code=region_code)
               for name, (org_type, region_code) in new_organisations.items() if name not in orgs]
    if created:
        db.session.add_all(created)
        db.session.flush()
        orgs.update({org.name: org for org in created})


def _insert_listings(kind: str, fresh: list, orgs: dict, file_name: str, progress) -> None:
    """Insert in batches: listings, then one 'import' history row and one index change each."""
    table = LISTING_MODELS[kind].__table__
    # Multi-row INSERT … RETURNING. The ids come back in no set order, which is enough: every row
    # gets the same history row and outbox row (asking for the rows' order makes SQLite insert one by one).
    statement = insert(table).returning(table.c.id)
    now = utcnow()
    comment = f"批量导入：{file_name}"[:500]
    total = len(fresh)
    for start in range(0, total, PROGRESS_EVERY):
        rows = []
        for _line, data in fresh[start:start + PROGRESS_EVERY]:
            row = {key: value for key, value in data.items() if key not in ("org_name", "org_type")}
            row.update(organisation_id=orgs[data["org_name"]].id, created_by_id=None,
                       status=ListingStatus.PUBLISHED, published_at=now, created_at=now, updated_at=now)
            rows.append(row)
        ids = list(db.session.scalars(statement, rows))
        record_events(kind, ids, "import", None, None, ListingStatus.PUBLISHED, comment)
        search_index.record_added(kind, ids)
        progress(f"已导入 {min(start + PROGRESS_EVERY, total)} / {total} 条…")
