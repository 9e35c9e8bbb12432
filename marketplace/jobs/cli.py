"""`flask jobs …`: the worker, the scheduler's tick (for cron), and a look at the queue."""
import threading
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from marketplace.jobs import backend, retry, run_job, tick, tick_forever
from models import Job, JobState, db

jobs_cli = AppGroup("jobs", help="后台任务（邮件、导入导出、定时汇总）")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="处理完队列中的任务后退出（测试、一次性运行）")
@click.option("--no-scheduler", is_flag=True, help="不在本进程中每分钟运行一次定时调度（已用 cron 运行 flask jobs tick 时）")
def worker_command(burst, no_scheduler):
    """Serve the Redis queue (RQ) until stopped; also runs `tick` every minute unless told not to."""
    app = current_app._get_current_object()
    chosen = backend(app)
    if chosen.name != "rq":
        raise click.UsageError("未配置 Redis（MARKET_JOBS_REDIS_URL）：任务在网站进程内运行，无需单独的 worker。")
    from rq import SimpleWorker

    stop = threading.Event()
    if not no_scheduler and not burst:
        threading.Thread(target=tick_forever, args=(app, stop), name="jobs-tick", daemon=True).start()
    if burst:
        with app.app_context():
            tick()
    click.echo(f"后台任务 worker：队列 {chosen.queue_name} @ {chosen.url}")
    # SimpleWorker runs each job in this process, in this app context (no fork per job).
    worker = SimpleWorker([chosen.queue], connection=chosen.queue.connection)
    try:
        worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
    finally:
        stop.set()


@jobs_cli.command("tick")
def tick_command():
    """One round of the scheduler (cron: * * * * * flask --app app jobs tick)."""
    done = tick()
    click.echo(f"定时任务启动 {done['scheduled']} 个；恢复中断任务 {done['revived']} 个；交给队列 {done['handed_over']} 个。")


@jobs_cli.command("run")
@click.argument("job_id", type=int)
def run_command(job_id):
    """Run one queued job now, in this process."""
    if not run_job(job_id):
        raise click.ClickException(f"任务 {job_id} 不在排队状态或尚未到时间。")
    job = db.session.get(Job, job_id)
    click.echo(f"任务 {job_id}：{job.state_label}")


@jobs_cli.command("list")
@click.option("--state", type=click.Choice([s.value for s in JobState]), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=20)
def list_command(state, limit):
    """Counts per state, then the newest jobs (of one state)."""
    counts = dict(db.session.execute(select(Job.state, func.count()).group_by(Job.state)).all())
    click.echo("  ".join(f"{s.value}: {counts.get(s.value, 0)}" for s in JobState))
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if state:
        query = query.where(Job.state == state)
    for job in db.session.scalars(query):
        error = job.last_error.strip().splitlines()[-1][:80] if job.last_error.strip() else ""
        click.echo(f"{job.id:>8} {job.kind:<28} {job.state:<8} 尝试 {job.attempts}/{job.max_attempts} {error}")


@jobs_cli.command("retry")
@click.argument("job_id", type=int)
def retry_command(job_id):
    """Start a failed job again with a full set of attempts."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise click.ClickException(f"没有任务 {job_id}。")
    try:
        retry(job)
    except ValueError as exc:
        raise click.ClickException(str(exc))
    db.session.commit()
    click.echo(f"任务 {job_id} 已重新排队。")


@jobs_cli.command("wait")
@click.option("--timeout", type=float, default=60.0)
def wait_command(timeout):
    """Wait until no job is queued or running (scripts, benchmarks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = db.session.scalar(select(func.count()).select_from(Job).where(
            Job.state.in_([JobState.QUEUED, JobState.RUNNING])))
        db.session.rollback()
        if not left:
            return
        time.sleep(0.2)
    raise click.ClickException("等待超时：仍有任务未完成。")
