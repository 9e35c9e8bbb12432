"""Work that starts at set times: each run is a job whose key names its day, so it starts once per day
however many schedulers tick (cron on two machines, the worker's own tick)."""
from datetime import datetime, timedelta

from flask import current_app

from marketplace.jobs import add_job

# Local hour (the site's time zone) from which each day's work starts.
DAILY = (
    ("notify.daily_digest", "digest", 8),
    ("notify.deadline_reminders", "reminders", 8),
    ("jobs.prune", "prune", 3),
)


def site_time(moment: datetime) -> datetime:
    """A naive UTC time in the site's time zone (SITE_UTC_OFFSET_HOURS, 8 for China): schedules and mail."""
    return moment + timedelta(hours=current_app.config.get("SITE_UTC_OFFSET_HOURS", 8))


def start_due_work(now: datetime) -> int:
    """Enqueue each daily job whose hour has come today and that has not started today; returns how many."""
    local = site_time(now)
    started = 0
    for kind, name, hour in DAILY:
        if local.hour >= hour:
            day = local.date().isoformat()
            _job, created = add_job(kind, {"day": day}, key=f"daily:{name}:{day}")
            started += created
    return started
