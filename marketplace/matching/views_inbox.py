"""The message centre: my messages, one message (marks it read), mark all read."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from marketplace.api.pagination import MAX_PAGE
from marketplace.matching import inbox, inbox_bp
from marketplace.permissions import LOGGED_IN, permission_required
from models import Message, db

PER_PAGE = 20


@inbox_bp.route("/")
@permission_required(LOGGED_IN)
def index():
    """My messages, newest first (optionally unread only)."""
    unread_only = request.args.get("unread") == "1"
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)
    pagination = db.paginate(inbox.inbox_query(current_user, unread_only), page=page, per_page=PER_PAGE,
                             error_out=False)
    return render_template("inbox/index.html", pagination=pagination, unread_only=unread_only, form=FlaskForm())


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
    return render_template("inbox/show.html", message=message)


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
