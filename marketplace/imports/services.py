"""Web uploads of listing and contract files, run by a job with the command line's importers.

The same all-or-nothing rule and line-numbered report as `flask listings import` / `flask contracts import`:
the job runs the very same functions. The uploaded file is kept in the instance folder's `imports/` under a
random name until the job has run; the job's row is the record of the import (who, when, the file's name
and SHA-256, rows, result).
"""
import hashlib
import json
import os
import re
import secrets

from flask import current_app

from marketplace.errors import DomainError
from marketplace.jobs import JobFailed, enqueue, handler, set_progress
from marketplace.jobs.progress import finish as finish_progress
from models import Job, User, db

KINDS = {"result": "科技成果", "need": "技术需求", "contract": "已登记技术合同"}
EXTENSIONS = (".csv", ".xlsx")
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # a year of a province's contracts as CSV is ~20 MB
MAX_PROBLEMS_KEPT = 200
_FIRST_NUMBER = re.compile(r"\d[\d,]*")


class ImportRefused(DomainError):
    status, code = 422, "import_refused"


def upload_folder() -> str:
    folder = os.path.join(current_app.instance_path, "imports")
    os.makedirs(folder, exist_ok=True)
    return folder


def start_import(actor: User, kind: str, filename: str, stream) -> Job:
    """Keep the upload and queue its import; refuses an unknown kind or a file that is not CSV/XLSX."""
    if kind not in KINDS:
        raise ImportRefused("请选择导入的数据类型。", field="kind")
    name = os.path.basename(filename or "").strip()
    extension = os.path.splitext(name)[1].lower()
    if extension not in EXTENSIONS:
        raise ImportRefused("只能导入 .csv 或 .xlsx 文件。", field="file")
    path = os.path.join(upload_folder(), f"{secrets.token_hex(16)}{extension}")
    digest, size = hashlib.sha256(), 0
    with open(path, "wb") as out:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                os.remove(path)
                raise ImportRefused(f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB。", field="file")
            digest.update(chunk)
            out.write(chunk)
    if size == 0:
        os.remove(path)
        raise ImportRefused("文件是空的。", field="file")
    return enqueue("import.file", {"kind": kind, "path": os.path.basename(path), "filename": name[:255],
                                   "sha256": digest.hexdigest(), "bytes": size}, actor=actor, max_attempts=1)


def data_rows(path: str) -> int:
    """Data rows of the file (for the progress bar): lines after the header, or the sheet's rows."""
    if path.endswith(".xlsx"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            return max(0, (book.worksheets[0].max_row or 1) - 1)
        finally:
            book.close()
    with open(path, "rb") as handle:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1)


@handler("import.file")
def import_file(job, payload: dict) -> None:
    """Run the importer; a refused file is a finished job whose result lists the problems (not retried)."""
    from marketplace.contracts.importer import ContractImportFailed, import_contracts_file
    from marketplace.listings.importer import ImportFailed, import_listings_file
    from marketplace.tabular import TabularError

    path = os.path.join(upload_folder(), os.path.basename(payload["path"]))
    if not os.path.exists(path):
        raise JobFailed("上传的文件已不存在，请重新上传。")
    total = data_rows(path)
    set_progress(job, 0, total, "开始校验…")
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None

    def progress(message: str) -> None:
        # The importers report "已处理 12,000 行…" / "已导入 3000 / 10000 条…": the first number is how far they are.
        found = _FIRST_NUMBER.search(message)
        set_progress(job, int(found.group().replace(",", "")) if found else job.progress_done, total, message)

    outcome = {"kind": payload["kind"], "filename": payload["filename"], "sha256": payload["sha256"], "rows": total}
    try:
        if payload["kind"] == "contract":
            report = import_contracts_file(path, progress=progress, imported_by=actor.username if actor else "web",
                                           progress_every=max(1000, total // 100))  # a step per percent
            outcome.update(ok=True, rows=report.rows, added=report.added, skipped=report.skipped)
            db.session.commit()
        else:
            added = import_listings_file(path, payload["kind"], progress=progress)  # commits
            outcome.update(ok=True, added=added)
    except (ContractImportFailed, ImportFailed, TabularError) as exc:
        db.session.rollback()
        problems = list(getattr(exc, "problems", [str(exc)]))
        outcome.update(ok=False, bad_rows=getattr(exc, "bad_rows", len(problems)),
                       problems=problems[:MAX_PROBLEMS_KEPT], more=max(0, len(problems) - MAX_PROBLEMS_KEPT))
    finally:
        try:
            os.remove(path)
        except OSError:
            pass
    job = db.session.get(Job, job.id)
    job.result = json.dumps(outcome, ensure_ascii=False)
    if outcome["ok"]:
        finish_progress(job, outcome["rows"], outcome["rows"], "导入完成")
    else:
        finish_progress(job, outcome["rows"], job.progress_done, "导入失败：文件有错误，未导入任何记录")
    db.session.commit()

