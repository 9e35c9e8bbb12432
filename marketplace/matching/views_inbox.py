"""The notification centre: notices of events by category and messages, one message (marks it read), mark all read."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from marketplace.api.pagination import MAX_PAGE
from marketplace.matching import inbox, inbox_bp
from marketplace.permissions import LOGGED_IN, permission_required
from marketplace.notify import unread_by_category
from models import Message, db
from models.notification import CATEGORY_LABELS

PER_PAGE = 20


@inbox_bp.route("/")
@permission_required(LOGGED_IN)
def index():
    """My messages, newest first (optionally unread only)."""
    unread_only = request.args.get("unread") == "1"
    category = request.args.get("category", "")
    if category not in CATEGORY_LABELS and category != "message":
        category = ""
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)
    query = inbox.inbox_query(current_user, unread_only)
    if category:
        query = query.where(Message.category == ("" if category == "message" else category))
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    return render_template("inbox/index.html", pagination=pagination, unread_only=unread_only, form=FlaskForm(),
                           category=category, category_labels=CATEGORY_LABELS,
                           unread_by_category=unread_by_category(current_user))


@inbox_bp.route("/<int:message_id>")
@permission_required(LOGGED_IN)
def show(message_id):
    """One message; opening it marks it read."""
    message = db.get_or_404(Message, message_id)
    if message.recipient_id != current_user.id:
        abort(404)
    if message.read_at is None:
        inbox.mark_read(message)
        db.session.commit()
    return render_template("inbox/show.html", message=message, category_labels=CATEGORY_LABELS)


@inbox_bp.route("/read-all", methods=["POST"])
@permission_required(LOGGED_IN)
def read_all():
    """Mark all my messages read."""
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    count = inbox.mark_all_read(current_user)
    db.session.commit()
    flash(f"已将 {count} 条消息标为已读。", "success")
    return redirect(url_for("inbox.index"))
