"""Blueprints: matching (suggestions, the deal pipeline, broker board) and inbox (message centre)."""
from flask import Blueprint
from flask_login import current_user

bp = Blueprint("matching", __name__)
inbox_bp = Blueprint("inbox", __name__)


@bp.app_context_processor
def unread_messages():
    """The navbar's unread-message badge (computed here: templates never query)."""
    from marketplace.matching.inbox import unread_count

    return {"unread_message_count": unread_count(current_user) if current_user.is_authenticated else 0}


from marketplace.matching import views, views_inbox  # noqa: E402,F401
