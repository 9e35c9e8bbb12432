"""Imports through the site: upload a CSV/XLSX file, follow the job's progress, read its report."""
import os

from flask import abort, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import RadioField

from marketplace import jobs
from marketplace.form_fields import EmptyForm, options, required
from marketplace.imports import bp, exports, services
from marketplace.permissions import has, permission_required
from marketplace.stats.exports import CSV_TYPE, XLSX_TYPE
from marketplace.web import committing
from models import Job, db

PER_PAGE = 30


class UploadForm(FlaskForm):
    kind = RadioField("数据类型", choices=options(services.KINDS), validators=[required("数据类型")])
    file = FileField("文件（.csv 或 .xlsx，第 1 行为表头，列见说明）")


def _visible_imports():
    query = select(Job).where(Job.kind == "import.file").order_by(Job.id.desc())
    if not has(current_user, "account.manage"):
        query = query.where(Job.created_by_id == current_user.id)  # an official sees their own imports
    return query


def _own_job(job_id: int, kind: str) -> Job:
    """A job of `kind` that the signed-in user started (any, for an admin); else 404."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind != kind:
        abort(404)
    if job.created_by_id != current_user.id and not has(current_user, "account.manage"):
        abort(404)
    return job


def _own_import(job_id: int) -> Job:
    return _own_job(job_id, "import.file")


@bp.route("/", methods=["GET", "POST"])
@permission_required("data.import")
def index():
    """The upload form and the imports made so far (an admin sees everybody's)."""
    form = UploadForm()  # the request may be up to marketplace.LARGE_UPLOADS bytes
    status = 200
    if form.validate_on_submit():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.file.errors = ["请选择要导入的文件。"]
        else:
            with committing(form=form) as saved:
                job = services.start_import(current_user._get_current_object(), form.kind.data, upload.filename,
                                            upload.stream)
            if saved.ok:
                return redirect(url_for("imports.show", job_id=job.id))
    if form.errors or (request.method == "POST" and not form.kind.data):
        status = 422
    imports = db.session.scalars(_visible_imports().limit(PER_PAGE)).all()
    my_exports = db.session.scalars(select(Job).where(Job.kind == "export.register", Job.created_by_id == current_user.id)
                                    .order_by(Job.id.desc()).limit(PER_PAGE)).all()
    return render_template("imports/index.html", form=form, imports=imports, kinds=services.KINDS,
                           exports=my_exports), status


@bp.route("/<int:job_id>")
@permission_required("data.import")
def show(job_id: int):
    """One import: its progress while it runs, then its report (counts, or every problem by line)."""
    job = _own_import(job_id)
    return render_template("imports/show.html", job=job, progress=jobs.progress_of(job),
                           outcome=job.result_data, payload=job.payload_data, kinds=services.KINDS)


@bp.route("/<int:job_id>/progress")
@permission_required("data.import")
def progress(job_id: int):
    """{"state", "done", "total", "percent", "note"} for the page's progress bar."""
    job = _own_import(job_id)
    return jsonify(jobs.progress_of(job))


@bp.route("/exports", methods=["POST"])
@permission_required("contract.register")
def start_export():
    """The register with the page's filter (the query string), written by a job; then its page."""
    fmt = request.args.get("fmt", "csv")
    if fmt not in exports.FORMATS or not EmptyForm().validate_on_submit():
        abort(400)
    with committing() as saved:
        job = exports.start_export(current_user._get_current_object(), request.args, fmt)
    if not saved.ok:
        return redirect(url_for("contracts.ledger_page", **request.args))
    return redirect(url_for("imports.export_show", job_id=job.id))


@bp.route("/exports/<int:job_id>")
@permission_required("contract.register")
def export_show(job_id: int):
    job = _own_job(job_id, "export.register")
    return render_template("imports/export.html", job=job, progress=jobs.progress_of(job),
                           outcome=job.result_data, payload=job.payload_data)


@bp.route("/exports/<int:job_id>/progress")
@permission_required("contract.register")
def export_progress(job_id: int):
    return jsonify(jobs.progress_of(_own_job(job_id, "export.register")))


@bp.route("/exports/<int:job_id>/download")
@permission_required("contract.register")
def export_download(job_id: int):
    job = _own_job(job_id, "export.register")
    path = exports.file_path(job)
    if job.state != "done" or path is None or not os.path.exists(path):
        abort(404)
    fmt = job.result_data["fmt"]
    return send_file(path, mimetype=XLSX_TYPE if fmt == "xlsx" else f"{CSV_TYPE}; charset=utf-8", as_attachment=True,
                     download_name=f"register-{job.created_at:%Y%m%d}-{job.id}.{fmt}")
