"""Flask extensions, created unbound and bound in create_app()."""
import flask_login
from flask import request
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect


def is_api_request() -> bool:
    """A call of the JSON API (the same test the error pages use)."""
    return request.path.startswith("/api/")


class LoginManager(flask_login.LoginManager):
    """Flask-Login, except that an API call is identified by its request loader (bearer token) alone.

    The API is CSRF-exempt, so neither the session nor the remember-me cookie may authenticate it.
    """

    def _load_user(self):
        if not is_api_request():
            return super()._load_user()
        return self._update_request_context_with_user(self._load_user_from_request(request))


login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"
login_manager.session_protection = "basic"

csrf = CSRFProtect()

# Alembic migrations (the `migrations/` folder at the project root); batch mode lets
# SQLite alter tables by copying them.
migrate = Migrate(render_as_batch=True, compare_type=True)
