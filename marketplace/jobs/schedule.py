"""Work that starts at set times: each run is a job whose key names its day, so it starts once per day
however many schedulers tick (cron on two machines, the worker's own tick)."""
from datetime import date, datetime, timedelta

from flask import current_app

from marketplace.jobs import enqueue

# Local hour (the site's time zone) from which each day's work starts.
DAILY = (
    ("notify.daily_digest", "digest", 8),
    ("notify.deadline_reminders", "reminders", 8),
    ("jobs.prune", "prune", 3),
)


def local_now(now: datetime) -> datetime:
    """`now` (naive UTC) in the site's time zone (SITE_UTC_OFFSET_HOURS, 8 for China)."""
    return now + timedelta(hours=current_app.config.get("SITE_UTC_OFFSET_HOURS", 8))


def start_due_work(now: datetime) -> int:
    """Enqueue each daily job whose hour has come today and that has not started today; returns how many."""
    local = local_now(now)
    started = 0
    for kind, name, hour in DAILY:
        if local.hour >= hour:
            day: date = local.date()
            before = _existing(f"daily:{name}:{day.isoformat()}")
            enqueue(kind, {"day": day.isoformat()}, key=f"daily:{name}:{day.isoformat()}")
            started += 0 if before else 1
    return started


def _existing(key: str) -> bool:
    from sqlalchemy import select

    from models import Job, db

    return db.session.scalar(select(Job.id).where(Job.key == key)) is not None
