"""Background jobs: enqueued in the caller's transaction, run after it commits, retried with back-off.

A job is a row of `jobs` (models.job) written in the same transaction as the change that asks for it,
so a rolled-back change asks for nothing and a committed one is never forgotten. After the commit its
id goes to the backend (JOBS_BACKEND):

- ``rq``: a Redis queue (RQ) served by ``flask jobs worker`` (JOBS_REDIS_URL);
- ``thread``: a small thread pool in this process (``make run`` with no Redis);
- ``inline``: run at once, before the commit returns (tests, commands).

Whatever the backend, a job runs only after an atomic claim of its row (queued → running), so an
id handed over twice runs once. A failing attempt is recorded and retried with back-off; after
`max_attempts` the job is kept as failed, with its error, for an admin to retry (/admin/jobs).
`tick()` (``flask jobs tick`` from cron, and every minute inside the worker) hands over jobs whose
time has come, revives jobs of a worker that died, and starts the scheduled work (digests, reminders).

Job kinds are functions registered with ``@handler("kind")``, taking (job, payload); they must be
idempotent: a retried run must not do twice what the first run did.
"""
import json
import logging
import threading
import traceback
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Job, JobState, db
from models.base import utcnow

log = logging.getLogger(__name__)

HANDLERS: dict = {}
TICK_HOOKS: list = []  # functions(now) run by every tick before the due jobs are handed over
# Seconds before attempt n+1 after n failures: 30 s, 2 min, 8 min, 32 min, then every 2 h.
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 2 * 3600
# A running job whose worker died is taken up again after this long (a long import reports progress meanwhile).
STALE_AFTER = timedelta(minutes=30)
# A queued job handed to the queue this long ago and still waiting is handed over again.
REDISPATCH_AFTER = timedelta(minutes=10)
MAX_ERROR_CHARS = 4000
_PENDING = "market_jobs_after_commit"
# The scheduler's loop ticks at least this often, and sooner when a queued job falls due (an auction's close).
TICK_SECONDS = 60
MIN_WAIT_SECONDS = 0.2
# Set when a job handed over here is not due yet: the loop looks again at when the next one falls due.
_wake = threading.Event()


class JobFailed(Exception):
    """A job's own, expected failure: recorded in Chinese without a traceback, retried like any other."""


def handler(kind: str):
    """Register the function that runs jobs of `kind`."""
    def register(func):
        if kind in HANDLERS and HANDLERS[kind] is not func:
            raise ValueError(f"job kind {kind} registered twice")
        HANDLERS[kind] = func
        return func
    return register


def every_tick(func):
    """Register `func(now)` to run on every tick (a safety net that needs no job of its own); it commits."""
    TICK_HOOKS.append(func)
    return func


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after `attempts` failed ones."""
    return timedelta(seconds=min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 4 ** max(0, attempts - 1)))


def enqueue(kind: str, payload: dict | None = None, *, key: str | None = None, actor=None,
            max_attempts: int = 5, run_after: datetime | None = None) -> Job:
    """Add a job to the current transaction; it is handed to the backend once the transaction commits.

    With a `key`, a job of that key that already exists is returned instead of a second one.
    """
    return add_job(kind, payload, key=key, actor=actor, max_attempts=max_attempts, run_after=run_after)[0]


def add_job(kind: str, payload: dict | None = None, *, key: str | None = None, actor=None,
            max_attempts: int = 5, run_after: datetime | None = None) -> tuple[Job, bool]:
    """`enqueue`, also telling whether the job is new (False: the job of that key already existed)."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind}")
    if key is not None:
        existing = db.session.scalar(select(Job).where(Job.key == key))
        if existing is not None:
            return existing, False
    job = Job(kind=kind, payload=json.dumps(payload or {}, ensure_ascii=False, sort_keys=True), key=key,
              max_attempts=max_attempts, run_after=run_after or utcnow(),
              created_by_id=getattr(actor, "id", None))
    if key is None:
        db.session.add(job)
        db.session.flush()
    else:
        try:
            with db.session.begin_nested():  # another transaction may add the same key meanwhile
                db.session.add(job)
        except IntegrityError:
            return db.session.scalar(select(Job).where(Job.key == key)), False
    db.session.info.setdefault(_PENDING, []).append(job.id)
    return job, True


def _after_commit(session):
    if session.in_nested_transaction():
        return  # a SAVEPOINT ended: the outer transaction has not committed yet
    ids = session.info.pop(_PENDING, None)
    if ids:
        try:
            app = current_app._get_current_object()
        except RuntimeError:  # no app: the scheduler hands them over later
            return
        backend(app).dispatch(app, ids)


def _after_rollback(session):
    if not session.in_transaction():
        session.info.pop(_PENDING, None)


def install() -> None:
    """Hand jobs over after each commit (process-wide: once, however many apps)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def backend(app):
    return app.extensions["market_jobs"]


def backend_name() -> str:
    return backend(current_app).name


def run_job(job_id: int, now: datetime | None = None) -> bool:
    """Claim and run one job in the current app context; False if it was not due or someone else has it."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED, Job.run_after <= now)
        .values(state=JobState.RUNNING, attempts=Job.attempts + 1, started_at=now, finished_at=None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not claimed:
        _wake.set()  # perhaps handed over before its time: the scheduler's loop recomputes its wait
        return False
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    func = HANDLERS.get(job.kind)
    try:
        if func is None:
            raise JobFailed(f"未知的任务类型 {job.kind}")
        func(job, job.payload_data)
        job.state, job.finished_at, job.last_error = JobState.DONE, utcnow(), ""
        db.session.commit()
    except Exception as exc:  # any failure of any job is recorded, never lost
        db.session.rollback()
        _record_failure(job_id, exc, now)
    return True


def _record_failure(job_id: int, exc: Exception, now: datetime) -> None:
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    text = str(exc) if isinstance(exc, JobFailed) else "".join(traceback.format_exception(exc))
    job.last_error = text[-MAX_ERROR_CHARS:]
    if job.attempts >= job.max_attempts:
        job.state, job.finished_at = JobState.FAILED, utcnow()
        log.error("job %s (%s) failed for good after %s attempts: %s", job.id, job.kind, job.attempts, exc)
    else:
        job.state, job.run_after = JobState.QUEUED, now + backoff(job.attempts)
        log.warning("job %s (%s) failed, attempt %s of %s: %s", job.id, job.kind, job.attempts, job.max_attempts,
                    exc)
    db.session.commit()


def retry(job: Job, actor=None) -> None:
    """An admin's retry of a failed job: it starts again with a full set of attempts."""
    from marketplace.security_log import JOB_RETRIED, record

    if job.state != JobState.FAILED:
        raise ValueError("只有已失败的任务可以重试。")
    job.state, job.attempts, job.run_after, job.finished_at = JobState.QUEUED, 0, utcnow(), None
    record(JOB_RETRIED, actor, detail=f"任务 {job.id}（{job.kind}）")
    db.session.info.setdefault(_PENDING, []).append(job.id)


def due_job_ids(now: datetime, limit: int = 1000) -> list[int]:
    """Queued jobs whose time has come and that were not handed over recently."""
    return list(db.session.scalars(
        select(Job.id).where(Job.state == JobState.QUEUED, Job.run_after <= now,
                             or_(Job.dispatched_at.is_(None), Job.dispatched_at <= now - REDISPATCH_AFTER))
        .order_by(Job.run_after, Job.id).limit(limit)))


def revive_stale(now: datetime) -> int:
    """Running jobs whose worker stopped answering go back to the queue (the attempt counts)."""
    stale = db.session.scalars(select(Job).where(Job.state == JobState.RUNNING,
                                                 Job.started_at <= now - STALE_AFTER)).all()
    for job in stale:
        job.last_error = (job.last_error + "\n任务运行超时或执行进程已停止，重新排队。")[-MAX_ERROR_CHARS:]
        job.state = JobState.FAILED if job.attempts >= job.max_attempts else JobState.QUEUED
        job.run_after = now
    return len(stale)


def tick(now: datetime | None = None) -> dict:
    """One round of the scheduler: scheduled work, revived and due jobs handed over. Commits."""
    from marketplace.jobs import schedule

    now = now or utcnow()
    started = schedule.start_due_work(now)
    revived = revive_stale(now)
    db.session.commit()
    for hook in TICK_HOOKS:
        try:
            hook(now)
        except Exception as exc:  # one hook failing stops neither the others nor the jobs
            db.session.rollback()
            log.warning("tick hook %s failed: %s", hook.__name__, exc)
    ids = due_job_ids(now)
    db.session.commit()  # no transaction of ours stays open while the jobs run (SQLite has one writer)
    if ids:
        app = current_app._get_current_object()
        backend(app).dispatch(app, ids)
    return {"scheduled": started, "revived": revived, "handed_over": len(ids)}


def seconds_to_next_due(now: datetime | None = None) -> float:
    """How long the scheduler may sleep: until the next queued job falls due, at most TICK_SECONDS."""
    now = now or utcnow()
    upcoming = db.session.scalar(select(func.min(Job.run_after)).where(Job.state == JobState.QUEUED,
                                                                       Job.run_after > now))
    db.session.commit()
    if upcoming is None:
        return TICK_SECONDS
    return max(MIN_WAIT_SECONDS, min(TICK_SECONDS, (upcoming - now).total_seconds()))


def tick_forever(app, stop: threading.Event | None = None) -> None:
    """The scheduler's loop (the worker's thread, or each web process without Redis): tick, then sleep until the
    next job falls due (at most a minute), waking early when a job not yet due was handed over."""
    stop = stop or threading.Event()
    wait = TICK_SECONDS
    while not stop.is_set():
        _wake.wait(wait)
        _wake.clear()
        if stop.is_set():
            return
        with app.app_context():
            try:
                tick()
                wait = seconds_to_next_due()
            except Exception as exc:  # the next round tries again
                log.warning("jobs tick failed: %s", exc)
                wait = TICK_SECONDS
            finally:
                db.session.remove()


def set_progress(job: Job, done: int, total: int | None = None, note: str | None = None) -> None:
    """Record how far a running job is, visible at once to its page whatever transaction the job holds open."""
    from marketplace.jobs import progress

    progress.write(job, done, total, note)


def progress_of(job: Job) -> dict:
    from marketplace.jobs import progress

    return progress.read(job)


def init_app(app) -> None:
    """Pick the backend (JOBS_BACKEND, else rq with JOBS_REDIS_URL, else a thread pool) and load the job kinds."""
    from marketplace.jobs import backends, kinds  # noqa: F401  (registers the handlers)

    install()
    chosen = app.extensions["market_jobs"] = backends.make(app)
    if chosen.name == "thread" and not app.testing:
        app.before_request(lambda: chosen.start_ticker(app))
