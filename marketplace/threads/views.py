"""Thread pages: my threads, ask about a listing, read and answer, attachments, block, report, the admins' reports."""
from flask import abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select, update

from marketplace import files
from marketplace.form_fields import EmptyForm
from marketplace.listings.views import load_visible
from marketplace.permissions import LOGGED_IN, has, permission_required
from marketplace.threads import bp, services
from marketplace.threads.forms import AskForm, BlockForm, DecideForm, ReplyForm, ReportForm
from marketplace.threads.services import TooFast, Upload
from marketplace.web import committing, flash_errors
from models import Message, Thread, ThreadAttachment, ThreadPost, ThreadReport, db
from models.base import utcnow
from models.thread import REPORT_STATUS_LABELS

def _uploads(form) -> list[Upload]:
    try:
        return files.read_uploads(form.files.data)
    except files.FileRefused as exc:
        raise services.ThreadError(exc.message, field="files") from None


def _answer(saved, template: str, **context):
    """The form page (again after a refusal: 400, 403 or 404 as refused; 429 with Retry-After when the person
    writes too fast)."""
    response = make_response(render_template(template, **context))
    if isinstance(saved.error, TooFast):
        response.status_code = 429
        response.headers["Retry-After"] = str(saved.error.retry_after)
    elif saved.error is not None:
        response.status_code = saved.error.status if saved.error.status in (400, 403, 404) else 400
    elif request.method == "POST":  # the form itself was refused (a POST that went through redirected)
        response.status_code = 400
    return response


def _reported(thread: Thread) -> bool:
    return db.session.scalar(select(ThreadReport.id).join(ThreadPost, ThreadPost.id == ThreadReport.post_id)
                             .where(ThreadPost.thread_id == thread.id).limit(1)) is not None


def _load(thread_id: int, reading: bool = False) -> tuple[Thread, str | None]:
    """The thread and the user's side; 404 for anyone else (an admin may read a thread with a reported post)."""
    thread = db.get_or_404(Thread, thread_id)
    side = services.side_of(current_user, thread)
    if side is None and not (reading and has(current_user, "thread.moderate") and _reported(thread)):
        abort(404)
    return thread, side


def _load_post(thread: Thread, post_id: int) -> ThreadPost:
    post = db.get_or_404(ThreadPost, post_id)
    if post.thread_id != thread.id:
        abort(404)
    return post


@bp.route("/")
@permission_required(LOGGED_IN)
def index():
    """Threads I take part in, latest first."""
    page = db.paginate(services.my_threads_select(current_user), per_page=20, error_out=False)
    unread = set(db.session.scalars(select(Message.link).where(
        Message.recipient_id == current_user.id, Message.read_at.is_(None), Message.category == "thread")))
    return render_template("threads/index.html", page=page, unread=unread, link=services.thread_link,
                           can_take_part=has(current_user, "thread.take_part"))


def ask(kind: str, listing_id: int):
    """Ask the owner of a published result or need; a second question joins the organisation's thread."""
    listing = load_visible(kind, listing_id)
    if not services.can_ask(current_user, listing):
        abort(403, "只能就其他单位已发布的成果、需求发起咨询。")
    existing = services.existing_thread(current_user, listing)
    if existing is not None and request.method == "GET":
        return redirect(url_for("threads.show", thread_id=existing.id) + "#reply")
    form = AskForm()
    saved = committing(form=form)
    if form.validate_on_submit():
        with saved:
            thread = services.start(current_user._get_current_object(), listing, form.subject.data, form.body.data,
                                    _uploads(form))
        if saved.ok:
            flash("已发送，对方回复时会通知您。", "success")
            return redirect(url_for("threads.show", thread_id=thread.id))
    elif request.method == "POST":
        flash_errors(form)
    return _answer(saved, "threads/ask.html", form=form, listing=listing)


for _kind, _path in (("result", "results"), ("need", "needs")):
    bp.add_url_rule(f"/ask/{_path}/<int:listing_id>", f"ask_{_kind}",
                    permission_required("thread.take_part")(ask), methods=["GET", "POST"], defaults={"kind": _kind})


def _mark_notices_read(thread: Thread) -> None:
    db.session.execute(update(Message).where(
        Message.recipient_id == current_user.id, Message.read_at.is_(None), Message.category == "thread",
        Message.link == services.thread_link(thread)).values(read_at=utcnow()))
    db.session.commit()


def _render_thread(thread: Thread, side: str | None, form: ReplyForm, saved=None):
    posts = db.session.scalars(select(ThreadPost).where(ThreadPost.thread_id == thread.id)
                               .order_by(ThreadPost.created_at, ThreadPost.id)).all()
    blocked = {row.blocked_user_id for row in services.my_blocks(current_user)} if side in ("owner", "asker") else set()
    context = dict(thread=thread, side=side, posts=posts, form=form, blocked=blocked, empty=EmptyForm())
    if saved is not None:
        return _answer(saved, "threads/show.html", **context)
    return render_template("threads/show.html", **context)


@bp.route("/<int:thread_id>")
@permission_required(LOGGED_IN)
def show(thread_id: int):
    """The whole thread; opening it marks its notices read."""
    thread, side = _load(thread_id, reading=True)
    if side is not None:
        _mark_notices_read(thread)
    return _render_thread(thread, side, ReplyForm())


@bp.route("/<int:thread_id>/posts", methods=["POST"])
@permission_required(LOGGED_IN)
def reply(thread_id: int):
    thread, side = _load(thread_id)
    form = ReplyForm()
    saved = committing("已回复。", form=form)
    if form.validate_on_submit():
        with saved:
            services.add_post(current_user._get_current_object(), thread, form.body.data, _uploads(form))
        if saved.ok:
            return redirect(url_for("threads.show", thread_id=thread.id) + "#reply")
    else:
        flash_errors(form)
    return _render_thread(thread, side, form, saved)


@bp.route("/<int:thread_id>/files/<int:file_id>")
@permission_required(LOGGED_IN)
def download(thread_id: int, file_id: int):
    """An attachment, always as a download with the type read from its content at upload."""
    thread, _side = _load(thread_id, reading=True)
    attachment = db.get_or_404(ThreadAttachment, file_id)
    post = db.session.get(ThreadPost, attachment.post_id)
    if post.thread_id != thread.id or (post.hidden_at is not None and not has(current_user, "thread.moderate")):
        abort(404)
    response = send_file(services.attachment_path(attachment), mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:thread_id>/posts/<int:post_id>/report", methods=["GET", "POST"])
@permission_required(LOGGED_IN)
def report(thread_id: int, post_id: int):
    """Report someone else's post to the admins."""
    thread, _side = _load(thread_id)
    post = _load_post(thread, post_id)
    form = ReportForm()
    saved = committing("已举报，管理员处理后会通知您。", form=form)
    if form.validate_on_submit():
        with saved:
            services.report(current_user._get_current_object(), thread, post, form.reason.data, form.details.data)
        if saved.ok:
            return redirect(url_for("threads.show", thread_id=thread.id))
    elif request.method == "POST":
        flash_errors(form)
    return _answer(saved, "threads/report.html", thread=thread, post=post, form=form)


@bp.route("/<int:thread_id>/posts/<int:post_id>/block", methods=["POST"])
@permission_required("thread.take_part")
def block(thread_id: int, post_id: int):
    """Block the author of a post from the other side: no more threads or posts to one's organisation."""
    thread, _side = _load(thread_id)
    post = _load_post(thread, post_id)
    form = BlockForm()
    if not form.validate_on_submit():
        flash_errors(form)
    else:
        with committing(f"已屏蔽 {post.author.display_name or post.author.username}：此人不能再向贵单位发起咨询或留言。"):
            services.block(current_user._get_current_object(), thread, post, form.reason.data)
    return redirect(url_for("threads.show", thread_id=thread.id))


@bp.route("/blocks")
@permission_required("thread.take_part")
def blocks():
    """The people my organisation has blocked."""
    return render_template("threads/blocks.html", blocks=services.my_blocks(current_user), form=EmptyForm())


@bp.route("/blocks/<int:block_id>/delete", methods=["POST"])
@permission_required("thread.take_part")
def unblock(block_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    with committing("已解除屏蔽。") as saved:
        services.unblock(current_user._get_current_object(), block_id)
    if saved.error is not None and saved.error.status == 404:
        abort(404)
    return redirect(url_for("threads.blocks"))


@bp.route("/reports")
@permission_required("thread.moderate")
def reports():
    """Reported posts: the open ones first, then the decided ones."""
    status = request.args.get("status", "open")
    status = status if status in REPORT_STATUS_LABELS else "open"
    page = db.paginate(select(ThreadReport).where(ThreadReport.status == status)
                       .order_by(ThreadReport.created_at.desc(), ThreadReport.id.desc()), per_page=20,
                       error_out=False)
    threads = {post.thread_id: db.session.get(Thread, post.thread_id) for post in (row.post for row in page.items)}
    return render_template("threads/reports.html", page=page, status=status, statuses=REPORT_STATUS_LABELS,
                           threads=threads, form=DecideForm(), link=services.thread_link)


@bp.route("/reports/<int:report_id>", methods=["POST"])
@permission_required("thread.moderate")
def decide(report_id: int):
    row = db.get_or_404(ThreadReport, report_id)
    form = DecideForm()
    if not form.validate_on_submit():
        flash_errors(form)
    else:
        with committing("已处理。"):
            services.decide(current_user._get_current_object(), row, form.decision.data, form.note.data)
    return redirect(url_for("threads.reports"))
