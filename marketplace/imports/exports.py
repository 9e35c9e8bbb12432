"""Large exports as jobs: the register (登记台账) for a year or more, written to a file in the instance
folder with progress, then downloaded by the official who asked for it.

The job reads the register with the official's own scope and filter, through the same functions as the
page's direct export (marketplace.contracts.ledger, ledger_exports); Excel files may hold up to Excel's own
row limit here, since no request waits for them.
"""
import json
import os
import shutil

from flask import current_app
from werkzeug.datastructures import MultiDict

from marketplace.jobs import JobFailed, enqueue, handler, set_progress
from marketplace.jobs.progress import finish as finish_progress
from models import Job, User, db

FORMATS = ("csv", "xlsx")
EXCEL_MAX_ROWS = 1_048_574  # Excel's sheet limit, less the heading and the column names


def export_folder() -> str:
    folder = os.path.join(current_app.instance_path, "exports")
    os.makedirs(folder, exist_ok=True)
    return folder


def file_path(job: Job) -> str | None:
    name = job.result_data.get("file")
    return os.path.join(export_folder(), os.path.basename(name)) if name else None


def start_export(actor: User, args: MultiDict, fmt: str) -> Job:
    """Queue the register export of `actor`'s region with the page's filter `args` (checked by the job)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    query = {key: value for key, value in args.items(multi=False) if key != "after"}
    return enqueue("export.register", {"fmt": fmt, "args": query}, actor=actor, max_attempts=2)


@handler("export.register")
def export_register(job, payload: dict) -> None:
    from marketplace.contracts import ledger, ledger_exports
    from marketplace.contracts.ledger_forms import LedgerFilterForm
    from marketplace.permissions import region_scope_prefix

    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    if user is None or not user.is_active_account:
        raise JobFailed("导出人的账号已不存在或已停用。")
    with current_app.test_request_context("/"):
        form = LedgerFilterForm(MultiDict(payload["args"]), scope=region_scope_prefix(user) or "")
        if not form.validate():
            raise JobFailed("筛选条件无效：" + " ".join(form.messages()))
        flt = form.ledger_filter()
    total = ledger.totals(user, flt).contracts
    fmt = payload["fmt"]
    if fmt == "xlsx" and total > EXCEL_MAX_ROWS:
        raise JobFailed(f"所选合同超过 Excel 的 {EXCEL_MAX_ROWS:,} 行上限，请导出 CSV。")
    set_progress(job, 0, total, "正在导出…")
    organisation = user.organisation
    heading = " · ".join([f"{organisation.name if organisation else ''} 技术合同登记台账"] +
                         [f"{field.label.text}：{field.data}" for field in form
                          if field.name not in ("after", "amount_kind") and field.data])
    step = max(1000, total // 100)

    def counted(rows):
        for done, row in enumerate(rows, start=1):
            if done % step == 0:
                set_progress(job, done, total, f"已导出 {done:,} / {total:,} 份…")
            yield row

    rows = counted(ledger.export_rows(user, flt))
    name = f"register-{job.id}.{fmt}"
    path = os.path.join(export_folder(), name)
    if fmt == "csv":
        with open(path + ".part", "wb") as out:
            for chunk in ledger_exports.csv_chunks(rows, heading):
                out.write(chunk)
    else:
        with ledger_exports.xlsx_file(rows, heading) as made, open(path + ".part", "wb") as out:
            shutil.copyfileobj(made, out)
    os.replace(path + ".part", path)
    job = db.session.get(Job, job.id)
    job.result = json.dumps({"file": name, "rows": total, "bytes": os.path.getsize(path), "fmt": fmt},
                            ensure_ascii=False)
    finish_progress(job, total, total, "导出完成")
    db.session.commit()
