"""Flask extensions, created unbound and bound in create_app()."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"
login_manager.session_protection = "basic"

csrf = CSRFProtect()

# Alembic migrations (the `migrations/` folder at the project root); batch mode lets
# SQLite alter tables by copying them.
migrate = Migrate(render_as_batch=True, compare_type=True)
