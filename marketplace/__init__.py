"""The technology market web application."""
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from marketplace.config import (
    DEV_SECRET_KEY, Config, environment_overrides, read_secret_key_file, secret_key_problem,
)


MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


class InsecureSecretKey(RuntimeError):
    """The app would sign sessions with a key that is missing, public or short."""


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` limited to the range of the database's integer keys."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, CLI."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_path=os.environ.get("MARKET_INSTANCE_PATH") or os.path.join(root, "instance"),
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    app.config.from_object(Config)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "market.db")
    app.config["SEARCH_INDEX_DIR"] = os.path.join(app.instance_path, "search_index")
    app.config.from_prefixed_env("MARKET")
    app.config.update(environment_overrides())
    if test_config:
        app.config.update(test_config)
    if app.config.get("INSTANCE_PATH"):
        app.instance_path = app.config["INSTANCE_PATH"]
    os.makedirs(app.instance_path, exist_ok=True)
    _load_secret_key(app)
    _configure_edge(app)
    _register_http_hooks(app)
    _init_extensions(app)
    # Ids beyond a 32-bit primary key are simply not found (instead of a database error).
    app.url_map.converters["int"] = BoundedIntConverter
    _register_blueprints(app)

    from marketplace import cli, errors, ratelimit, security_headers, templating

    ratelimit.install(app)  # wraps views, so after the blueprints

    cli.register(app)
    errors.register(app)
    security_headers.register(app)
    templating.register(app)
    return app


def _load_secret_key(app: Flask) -> None:
    """MARKET_SECRET_KEY, else the instance folder's key file; a weak key is refused outside debug and tests."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = read_secret_key_file(app.instance_path)
    problem = secret_key_problem(app.config["SECRET_KEY"])
    if problem is None:
        return
    if app.debug or app.testing:
        app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or DEV_SECRET_KEY
        return
    if not app.config["SECRET_KEY"] and os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        return  # `flask …` commands sign nothing; `flask secret-key ensure` writes the key file
    raise InsecureSecretKey(f"{problem}请把 MARKET_SECRET_KEY 设为至少 32 个字符的随机值，"
                            "或运行 flask secret-key ensure 在实例目录中生成密钥文件（见 README）。")


def _configure_edge(app: Flask) -> None:
    """Client address and scheme behind PROXY_COUNT trusted proxies; both cookies follow COOKIE_SECURE."""
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    secure = bool(app.config["COOKIE_SECURE"] or app.config["SESSION_COOKIE_SECURE"])
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = secure


def _register_http_hooks(app: Flask) -> None:
    from marketplace import compression, http_cache

    compression.register(app)  # first registered runs last: it compresses the final body
    http_cache.register(app)
    app.before_request(_larger_uploads)  # before CSRF reads the form


# Endpoints that take files larger than MAX_CONTENT_LENGTH (a year of contracts as CSV), and their limit.
LARGE_UPLOADS = {"imports.index": 65 * 1024 * 1024}


def _larger_uploads():
    from flask import request

    limit = LARGE_UPLOADS.get(request.endpoint or "")
    if limit:
        request.max_content_length = limit


def _init_extensions(app: Flask) -> None:
    import search_index
    from marketplace import cache, database
    from marketplace.extensions import csrf, login_manager, migrate
    from models import db

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    database.configure_engine(app)
    cache.install(app)
    search_index.use_memo(cache.LISTING_FIGURES.get)
    search_index.init_app(app)
    from marketplace import thesaurus

    search_index.set_synonym_provider(thesaurus.search_provider)  # query words also match their synonyms
    csrf.init_app(app)
    login_manager.init_app(app)

    from marketplace.api.auth import load_token_user
    from marketplace.auth.sessions import load_user
    from marketplace.stats import paid_rollup, rollup

    login_manager.user_loader(load_user)
    login_manager.request_loader(load_token_user)
    rollup.install()
    paid_rollup.install()

    from marketplace import jobs, mail

    mail.init_app(app)
    jobs.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from marketplace.account import bp as account_bp
    from marketplace.admin import bp as admin_bp
    from marketplace.api import bp as api_bp
    from marketplace.auth import bp as auth_bp
    from marketplace.brokers import bp as brokers_bp
    from marketplace.contracts import bp as contracts_bp
    from marketplace.imports import bp as imports_bp
    from marketplace.listings import bp as listings_bp
    from marketplace.main import bp as main_bp
    from marketplace.matching import bp as matching_bp
    from marketplace.matching import inbox_bp
    from marketplace.payments import bp as payments_bp
    from marketplace.stats import bp as stats_bp
    from marketplace.subscriptions import bp as subscriptions_bp
    from marketplace.threads import bp as threads_bp
    from marketplace.tenders import bp as tenders_bp
    from marketplace.trading import bp as trading_bp
    from marketplace.verification import bp as verification_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(listings_bp)
    app.register_blueprint(contracts_bp, url_prefix="/contracts")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(stats_bp, url_prefix="/stats")
    app.register_blueprint(brokers_bp, url_prefix="/brokers")
    app.register_blueprint(matching_bp, url_prefix="/matching")
    app.register_blueprint(inbox_bp, url_prefix="/inbox")
    app.register_blueprint(subscriptions_bp, url_prefix="/my")
    app.register_blueprint(threads_bp, url_prefix="/threads")
    app.register_blueprint(trading_bp, url_prefix="/trades")
    app.register_blueprint(tenders_bp, url_prefix="/tenders")
    app.register_blueprint(payments_bp, url_prefix="/contracts")
    app.register_blueprint(imports_bp, url_prefix="/office/imports")
    app.register_blueprint(verification_bp)
