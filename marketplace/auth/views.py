"""Sign-up, log-in, log-out, password change (placeholder routes)."""
from marketplace.auth import bp


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in."""
    return "login"


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Sign up."""
    return "register"


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out."""
    return "logout"


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """Change password."""
    return "password"
