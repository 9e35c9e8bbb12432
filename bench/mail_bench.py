"""Benchmark: e-mails per second through the job queue, and the time from a listing's approval to the
saved-search notice and its e-mail.

    python -m bench.mail_bench [--mails 500] [--rounds 10] [--database-url URL] [--redis-url URL]

A local SMTP server (aiosmtpd, from requirements-dev.txt) receives everything. Prints:
- the baseline: the same mails rendered and sent by one process straight to SMTP, no queue;
- the queue: the mails enqueued in one transaction, then `flask jobs worker --burst` processes (1 and 2)
  sending them, from the commit to the last message received (mails per second, ratio to the baseline);
- the approval → notice → e-mail latency with one worker running, over `--rounds` approvals.
Everything lives in a temporary folder (SQLite unless --database-url) and a Redis queue of its own.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, select  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from marketplace import create_app, follows  # noqa: E402
from marketplace.cli import init_db  # noqa: E402
from marketplace.listings import services as listings  # noqa: E402
from marketplace.mail import mail, queue_mail, render  # noqa: E402
from models import Job, JobState, Message, Organisation, User, db  # noqa: E402
from models.base import utcnow  # noqa: E402
from tests.mail_server import MailServer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "bench-secret-key-0123456789abcdef-0123456789"


def settings(folder: str, database_url: str | None, redis_url: str, queue: str, smtp_port: int) -> dict:
    return {"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{folder}/market.db",
            "INSTANCE_PATH": folder, "SEARCH_INDEX_DIR": f"{folder}/index", "JOBS_BACKEND": "rq",
            "JOBS_REDIS_URL": redis_url, "JOBS_QUEUE": queue, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port,
            "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 8, "PASSWORD_HASH_PARALLELISM": 1}


def worker_env(config: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKET_")}
    env.update(DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"], MARKET_INSTANCE_PATH=config["INSTANCE_PATH"],
               MARKET_SEARCH_INDEX_DIR=config["SEARCH_INDEX_DIR"], MARKET_SECRET_KEY=SECRET,
               MARKET_JOBS_REDIS_URL=config["JOBS_REDIS_URL"], MARKET_JOBS_QUEUE=config["JOBS_QUEUE"],
               MARKET_MAIL_SERVER="127.0.0.1", MARKET_MAIL_PORT=str(config["MAIL_PORT"]))
    return env


def workers(config: dict, count: int, burst: bool) -> list[subprocess.Popen]:
    command = [os.path.join(os.path.dirname(sys.executable), "flask"), "--app", "app", "jobs", "worker"]
    command += ["--burst"] if burst else ["--no-scheduler"]
    return [subprocess.Popen(command, cwd=ROOT, env=worker_env(config), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE) for _ in range(count)]


def make_users(app, count: int) -> list[int]:
    with app.app_context():
        users = [User(username=f"bench{n}", password_hash="x", role="enterprise", display_name=f"用户{n}",
                      email=f"bench{n}@example.cn", email_verified_at=utcnow()) for n in range(count)]
        db.session.add_all(users)
        db.session.commit()
        return [u.id for u in users]


def baseline(app, user_ids: list[int], smtp) -> float:
    """Mails per second rendered and sent straight to SMTP by this process (no queue, no job rows)."""
    smtp.inbox.clear()
    with app.app_context(), app.test_request_context("/"):
        started = time.perf_counter()
        for user_id in user_ids:
            user = db.session.get(User, user_id)
            mail.send(render("test", user.email, user, None, {}))
        elapsed = time.perf_counter() - started
    smtp.inbox.wait_for(len(user_ids))
    return len(user_ids) / elapsed


def through_queue(app, config, user_ids: list[int], smtp, processes: int) -> tuple[float, float]:
    """(mails per second from the commit to the last message received, enqueue seconds)."""
    smtp.inbox.clear()
    with app.app_context():
        db.session.execute(Job.__table__.delete())
        db.session.commit()
        started = time.perf_counter()
        for user_id in user_ids:
            queue_mail("test", user=db.session.get(User, user_id))
        db.session.commit()
        enqueued = time.perf_counter() - started
    committed = time.perf_counter()
    procs = workers(config, processes, burst=True)
    smtp.inbox.wait_for(len(user_ids), timeout=600)
    elapsed = time.perf_counter() - committed
    for proc in procs:
        proc.wait(timeout=60)
    with app.app_context():
        done = db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "mail.send",
                                                                             Job.state == JobState.DONE))
        assert done == len(user_ids), f"{done} of {len(user_ids)} jobs done"
    return len(user_ids) / elapsed, enqueued


def approval_latency(app, config, smtp, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds from an approval's commit to the saved-search notice row, and to its e-mail arriving."""
    with app.app_context():
        org = Organisation(name="昆明理工大学（基准）", org_type="高等院校", region_code="530100")
        db.session.add(org)
        db.session.flush()
        owner = User(username="owner", password_hash="x", role="institute", organisation_id=org.id, display_name="甲")
        reviewer = User(username="reviewer", password_hash="x", role="admin", display_name="乙")
        reader = User(username="reader", password_hash="x", role="enterprise", display_name="丙",
                      email="reader@example.cn", email_verified_at=utcnow())
        db.session.add_all([owner, reviewer, reader])
        db.session.flush()
        follows.save_search(reader, "result", MultiDict({"q": "燃料电池"}), "燃料电池", "instant")
        db.session.commit()
        ids = (org.id, owner.id, reviewer.id, reader.id)
    procs = workers(config, 1, burst=False)
    time.sleep(3)  # the worker has loaded the app
    to_notice, to_mail = [], []
    try:
        for n in range(rounds):
            smtp.inbox.clear()
            with app.app_context():
                org, owner, reviewer = (db.session.get(Organisation, ids[0]), db.session.get(User, ids[1]),
                                        db.session.get(User, ids[2]))
                result = listings.create_listing("result", org, owner, {
                    "title": f"质子交换膜燃料电池电堆{n}", "field": "新能源与高效节能", "keywords": "燃料电池",
                    "summary": "功率密度 1.2 W/cm²。", "maturity": "中试", "transfer_modes": "转让",
                    "price_fen": None, "region_code": "530100"})
                listings.transition(result, "submit", owner)
                db.session.commit()
                listings.transition(result, "approve", reviewer)
                db.session.commit()
                approved = time.perf_counter()
                while db.session.scalar(select(func.count()).select_from(Message).where(
                        Message.recipient_id == ids[3], Message.category == "saved_search")) < n + 1:
                    db.session.rollback()
                    time.sleep(0.005)
                to_notice.append(time.perf_counter() - approved)
            smtp.inbox.wait_for(1, timeout=60)
            to_mail.append(time.perf_counter() - approved)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
    return to_notice, to_mail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mails", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as folder, MailServer() as smtp:
        config = settings(folder, args.database_url, args.redis_url, queue, smtp.port)
        app = create_app(config)
        with app.app_context():
            init_db()
        user_ids = make_users(app, args.mails)
        base = baseline(app, user_ids, smtp)
        print(f"baseline, one process straight to SMTP (no queue): {base:.0f} mails/s")
        for processes in (1, 2):
            rate, enqueued = through_queue(app, config, user_ids, smtp, processes)
            print(f"queue, {processes} worker process(es): {args.mails} mails in {args.mails / rate:.1f} s = "
                  f"{rate:.0f} mails/s ({rate / base:.2f}× the baseline); enqueueing took {enqueued * 1000:.0f} ms")
        to_notice, to_mail = approval_latency(app, config, smtp, args.rounds)
        print(f"approval → saved-search notice: median {statistics.median(to_notice) * 1000:.0f} ms, "
              f"max {max(to_notice) * 1000:.0f} ms; → its e-mail received: median "
              f"{statistics.median(to_mail) * 1000:.0f} ms, max {max(to_mail) * 1000:.0f} ms ({args.rounds} approvals)")
        app.extensions["market_jobs"].queue.delete(delete_jobs=True)


if __name__ == "__main__":
    main()
