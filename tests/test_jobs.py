"""The job queue: jobs live and die with their transaction, run once, are retried, and travel over a real
Redis (RQ) to `flask jobs worker`; with Redis down nothing is lost."""
import os
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace import jobs
from marketplace.jobs import backends
from models import Job, JobState, db
from models.base import utcnow
from tests import factories
from tests.mail_server import smtp, smtp_app_config  # noqa: F401  (fixtures)

RAN: list = []
_lock = threading.Lock()


@jobs.handler("test.record")
def record_job(job, payload):
    with _lock:
        RAN.append(payload["n"])
    if payload.get("fail"):
        raise jobs.JobFailed("按要求失败")


def redis_url() -> str:
    """The suite's Redis (scripts/run_tests.sh starts one when none answers)."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
    except RedisError as exc:
        if os.environ.get("TEST_REDIS_URL"):
            pytest.fail(f"Redis at {url} does not answer: {exc}")
        pytest.skip(f"no Redis at {url} (make test starts one)")
    return url


@pytest.fixture(autouse=True)
def _clear():
    RAN.clear()


@pytest.fixture
def app_config(smtp_app_config):
    return smtp_app_config


def test_a_job_of_a_rolled_back_transaction_never_runs(app, ctx):
    jobs.enqueue("test.record", {"n": 1})
    db.session.rollback()
    db.session.commit()
    assert RAN == [] and db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_committed_job_runs_once_and_is_recorded_done(app, ctx):
    job = jobs.enqueue("test.record", {"n": 2})
    db.session.commit()
    assert RAN == [2]
    db.session.refresh(job)
    assert (job.state, job.attempts, job.last_error) == (JobState.DONE, 1, "")
    assert not jobs.run_job(job.id)  # done: nobody runs it again
    assert RAN == [2]


def test_a_key_makes_enqueueing_idempotent(app, ctx):
    first = jobs.enqueue("test.record", {"n": 3}, key="same-key", run_after=utcnow() + timedelta(hours=1))
    second = jobs.enqueue("test.record", {"n": 4}, key="same-key")
    db.session.commit()
    assert first.id == second.id and db.session.scalar(select(func.count()).select_from(Job)) == 1


def test_an_unknown_kind_is_refused_at_once(app, ctx):
    with pytest.raises(ValueError):
        jobs.enqueue("no.such.kind", {})


def test_concurrent_claims_run_a_job_once(app, ctx):
    job = jobs.enqueue("test.record", {"n": 5}, run_after=utcnow() + timedelta(hours=1))
    db.session.commit()
    job_id, results = job.id, []
    job.run_after = utcnow()
    db.session.commit()  # and no transaction of this session stays open while the threads claim

    def claim():
        with app.app_context():
            results.append(jobs.run_job(job_id))
            db.session.remove()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True] and RAN == [5]


def test_a_job_of_a_dead_worker_is_taken_up_again(app, ctx):
    job = jobs.enqueue("test.record", {"n": 6}, run_after=utcnow() + timedelta(hours=1))
    db.session.commit()
    job.state, job.attempts, job.started_at = JobState.RUNNING, 1, utcnow() - timedelta(hours=1)
    db.session.commit()
    assert jobs.tick()["revived"] == 1
    db.session.refresh(job)
    assert (job.state, job.attempts) == (JobState.DONE, 2) and RAN == [6]


def test_the_thread_backend_runs_jobs_after_the_request(app, ctx):
    app.extensions["market_jobs"] = backends.ThreadBackend(2)
    try:
        ids = [jobs.enqueue("test.record", {"n": n}).id for n in range(10)]
        db.session.commit()
        app.extensions["market_jobs"].executor.shutdown(wait=True)
    finally:
        app.extensions["market_jobs"] = backends.InlineBackend()
    assert sorted(RAN) == list(range(10))
    db.session.expire_all()
    assert {db.session.get(Job, i).state for i in ids} == {JobState.DONE}


def test_jobs_cli_lists_runs_and_retries(app, runner):
    with app.app_context():
        failing = jobs.enqueue("test.record", {"n": 7, "fail": True}, max_attempts=1)
        db.session.commit()
        failing_id = failing.id
        assert db.session.get(Job, failing_id).state == JobState.FAILED
    listed = runner.invoke(args=["jobs", "list", "--state", "failed"])
    assert listed.exit_code == 0 and "test.record" in listed.output and "按要求失败" in listed.output
    assert runner.invoke(args=["jobs", "retry", str(failing_id)]).exit_code == 0
    assert RAN == [7, 7]
    assert runner.invoke(args=["jobs", "retry", "999999"]).exit_code != 0
    assert "定时任务" in runner.invoke(args=["jobs", "tick"]).output


@pytest.fixture
def rq_app(app):
    """The app on a real Redis queue of its own (a fresh name per test), emptied afterwards."""
    url = redis_url()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    app.config.update(JOBS_BACKEND="rq", JOBS_REDIS_URL=url, JOBS_QUEUE=queue)
    app.extensions["market_jobs"] = backends.make(app)
    yield app
    app.extensions["market_jobs"].queue.delete(delete_jobs=True)
    app.config.update(JOBS_BACKEND="inline", JOBS_REDIS_URL=None)
    app.extensions["market_jobs"] = backends.make(app)


def test_jobs_wait_in_redis_until_the_worker_runs_them(rq_app, runner, smtp):
    smtp.inbox.clear()
    with rq_app.app_context():
        users = [factories.make_user(f"rq{n}", email=f"rq{n}@example.cn") for n in range(20)]
        db.session.commit()
        from marketplace.mail import queue_mail

        for user in users:
            queue_mail("test", user=user)
        db.session.commit()
        assert rq_app.extensions["market_jobs"].queue.count == 20
        assert db.session.scalar(select(func.count()).select_from(Job).where(
            Job.state == JobState.QUEUED, Job.dispatched_at.is_not(None))) == 20
    assert smtp.inbox.messages == []
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert len(smtp.inbox.wait_for(20)) == 20
    assert {m["To"] for m in smtp.inbox.messages} == {f"rq{n}@example.cn" for n in range(20)}
    with rq_app.app_context():
        assert set(db.session.scalars(select(Job.state))) == {JobState.DONE}


def test_with_redis_down_the_job_waits_in_the_database_and_nothing_is_lost(rq_app, runner):
    good = rq_app.config["JOBS_REDIS_URL"]
    rq_app.config["JOBS_REDIS_URL"] = "redis://127.0.0.1:9/0"  # nothing listens there
    rq_app.extensions["market_jobs"] = backends.make(rq_app)
    with rq_app.app_context():
        job = jobs.enqueue("test.record", {"n": 8})
        db.session.commit()  # the commit stands although Redis refused the id
        db.session.refresh(job)
        assert (job.state, job.dispatched_at) == (JobState.QUEUED, None)
        job_id = job.id
    rq_app.config["JOBS_REDIS_URL"] = good
    rq_app.extensions["market_jobs"] = backends.make(rq_app)
    assert runner.invoke(args=["jobs", "worker", "--burst"]).exit_code == 0  # its tick hands the job over first
    assert RAN == [8]
    with rq_app.app_context():
        assert db.session.get(Job, job_id).state == JobState.DONE
