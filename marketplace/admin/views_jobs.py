"""Background jobs for admins: what is queued, running, done or failed (with its error), and a retry."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from marketplace import jobs
from marketplace.admin import bp
from marketplace.api.pagination import MAX_PAGE
from marketplace.form_fields import EmptyForm
from marketplace.notify import enqueue_test_mail
from marketplace.permissions import permission_required
from marketplace.web import committing
from models import JOB_STATE_LABELS, Job, JobState, db

PER_PAGE = 50


@bp.route("/jobs")
@permission_required("jobs.manage")
def jobs_page():
    """Jobs newest first, by state (failed first when any failed)."""
    counts = dict(db.session.execute(select(Job.state, func.count()).group_by(Job.state)).all())
    state = request.args.get("state", "")
    if state not in JOB_STATE_LABELS:
        state = ""
    query = select(Job).order_by(Job.id.desc())
    if state:
        query = query.where(Job.state == state)
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    return render_template("admin/jobs.html", active="jobs", pagination=pagination, counts=counts, state=state,
                           labels=JOB_STATE_LABELS, backend=jobs.backend_name(), form=EmptyForm())


@bp.route("/jobs/<int:job_id>")
@permission_required("jobs.manage")
def job_page(job_id: int):
    job = db.get_or_404(Job, job_id)
    return render_template("admin/job.html", active="jobs", job=job, progress=jobs.progress_of(job), form=EmptyForm())


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@permission_required("jobs.manage")
def retry_job(job_id: int):
    job = db.get_or_404(Job, job_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if job.state != JobState.FAILED:
        flash("只有已失败的任务可以重试。", "warning")
        return redirect(url_for("admin.job_page", job_id=job.id))
    with committing(f"任务 {job.id} 已重新排队。"):
        jobs.retry(job, current_user._get_current_object())
    return redirect(url_for("admin.job_page", job_id=job.id))


@bp.route("/jobs/test-mail", methods=["POST"])
@permission_required("jobs.manage")
def test_mail():
    """Send a test mail to my own address (checks the mail settings end to end)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    if not user.email:
        flash("请先在账号设置中填写邮箱。", "warning")
        return redirect(url_for("admin.jobs_page"))
    with committing(f"测试邮件已排队，发往 {user.email}。"):
        enqueue_test_mail(user)
    return redirect(url_for("admin.jobs_page"))
