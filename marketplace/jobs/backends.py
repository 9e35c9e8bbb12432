"""Where job ids go after the commit: a Redis queue (RQ), a thread pool in this process, or at once."""
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import update

from models import Job, db
from models.base import utcnow

log = logging.getLogger(__name__)
QUEUE_NAME = "market"
# RQ's own record of a job (its id and arguments) expires after a day; the row in `jobs` is the record.
RQ_RESULT_TTL = 24 * 3600


def perform(job_id: int) -> None:
    """What the RQ worker runs: claim and run one job in the worker's app context."""
    from marketplace.jobs import run_job

    run_job(job_id)
    db.session.remove()


def _mark_dispatched(ids) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id.in_(list(ids))).values(dispatched_at=utcnow()))


def _run_in_new_context(app, ids) -> None:
    from marketplace.jobs import run_job

    with app.app_context():
        try:
            for job_id in ids:
                run_job(job_id)
        finally:
            db.session.remove()


class InlineBackend:
    """Run each job before the committing call returns, in a thread of its own (its own session)."""

    name = "inline"

    def dispatch(self, app, ids) -> None:
        thread = threading.Thread(target=_run_in_new_context, args=(app, list(ids)), name="job-inline")
        thread.start()
        thread.join()


class ThreadBackend:
    """A few threads of this process run the jobs (a site without Redis: `make run`).

    With no worker process, each web process also runs the scheduler's tick once a minute (started by its
    first request): the daily jobs' keys and the atomic claim keep several processes from doing anything twice.
    """

    name = "thread"

    def __init__(self, workers: int):
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")
        self._ticking_in = None  # the process id whose ticker runs

    def start_ticker(self, app) -> None:
        if self._ticking_in == os.getpid():
            return
        self._ticking_in = os.getpid()
        from marketplace.jobs import tick_forever

        threading.Thread(target=tick_forever, args=(app,), name="jobs-tick", daemon=True).start()

    def dispatch(self, app, ids) -> None:
        with app.app_context():
            _mark_dispatched(ids)
        for job_id in ids:
            self.executor.submit(_run_in_new_context, app, [job_id])


class RQBackend:
    """A Redis list served by `flask jobs worker` (RQ); the ids wait there if no worker runs."""

    name = "rq"

    def __init__(self, url: str, queue_name: str):
        self.url, self.queue_name = url, queue_name
        self._queue = None
        self._lock = threading.Lock()

    @property
    def queue(self):
        with self._lock:
            if self._queue is None:
                from redis import Redis
                from rq import Queue

                self._queue = Queue(self.queue_name, connection=Redis.from_url(self.url, socket_timeout=5,
                                                                               socket_connect_timeout=2))
            return self._queue

    def dispatch(self, app, ids) -> None:
        from redis.exceptions import RedisError

        try:
            with self.queue.connection.pipeline() as pipe:
                for job_id in ids:
                    self.queue.enqueue_call(perform, args=(job_id,), result_ttl=RQ_RESULT_TTL, failure_ttl=RQ_RESULT_TTL,
                                            timeout=-1, description=f"market job {job_id}", pipeline=pipe)
                pipe.execute()
        except RedisError as exc:
            # The rows are committed: the scheduler hands them over once Redis answers again.
            log.warning("Redis did not take %s job(s): %s; the scheduler will hand them over", len(ids), exc)
            return
        with app.app_context():
            _mark_dispatched(ids)


def make(app):
    kind = app.config.get("JOBS_BACKEND") or ("rq" if app.config.get("JOBS_REDIS_URL") else "thread")
    if kind == "rq":
        if not app.config.get("JOBS_REDIS_URL"):
            raise RuntimeError("JOBS_BACKEND=rq needs MARKET_JOBS_REDIS_URL (redis://127.0.0.1:6379/0)")
        return RQBackend(app.config["JOBS_REDIS_URL"], app.config.get("JOBS_QUEUE", QUEUE_NAME))
    if kind == "thread":
        return ThreadBackend(int(app.config.get("JOBS_THREADS", 2)))
    if kind == "inline":
        return InlineBackend()
    raise RuntimeError(f"unknown JOBS_BACKEND {kind!r} (rq, thread or inline)")
