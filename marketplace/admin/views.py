"""Administration (placeholder routes)."""
from marketplace.admin import bp


@bp.route("/users")
def users():
    """User list."""
    return "users"
