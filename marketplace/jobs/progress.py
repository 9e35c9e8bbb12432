"""How far a running job is, readable while the job's own transaction is still open.

PostgreSQL: the job's row, written by a short transaction on a connection of its own. SQLite allows one
writer at a time and the job (an all-or-nothing import) holds it, so there the figures go to a small file
in the instance folder, replaced atomically; the row gets them when the job ends.
"""
import json
import os
import tempfile

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from models import Job, db

MAX_NOTE = 200


def _on_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _path(job_id: int) -> str:
    return os.path.join(current_app.instance_path, "job-progress", f"{int(job_id)}.json")


def write(job: Job, done: int, total: int | None = None, note: str | None = None) -> None:
    values = {"progress_done": max(0, int(done))}
    if total is not None:
        values["progress_total"] = max(0, int(total))
    if note is not None:
        values["progress_note"] = note[:MAX_NOTE]
    # The object the job holds shows the same figures without becoming dirty: a flush of the job's own
    # transaction must not lock the row the separate connection below writes.
    for name, value in values.items():
        set_committed_value(job, name, value)
    if _on_sqlite():
        path = _path(job.id)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        figures = {"done": job.progress_done, "total": job.progress_total, "note": job.progress_note}
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(figures, out, ensure_ascii=False)
        os.replace(temporary, path)
        return
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job.id).values(**values))


def read(job: Job) -> dict:
    """{"state", "done", "total", "percent", "note"} as the page shows them."""
    figures = {"done": job.progress_done, "total": job.progress_total, "note": job.progress_note}
    if job.state == "running" and _on_sqlite():
        try:
            with open(_path(job.id), encoding="utf-8") as handle:
                figures.update(json.load(handle))
        except (OSError, ValueError):
            pass
    total = figures["total"]
    percent = 100 if job.state == "done" else (min(100, figures["done"] * 100 // total) if total else 0)
    return {"state": job.state, "done": figures["done"], "total": total, "percent": percent,
            "note": figures["note"]}


def finish(job: Job, total: int, done: int, note: str) -> None:
    """The last figures, on the row in the job's own transaction; the SQLite progress file goes."""
    job.progress_total, job.progress_done, job.progress_note = total, done, note[:MAX_NOTE]
    if _on_sqlite():
        try:
            os.remove(_path(job.id))
        except OSError:
            pass
