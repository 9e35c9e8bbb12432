"""Configuration defaults; everything is overridable from the environment.

Environment variables use the ``MARKET_`` prefix (``MARKET_SECRET_KEY``,
``MARKET_SEARCH_INDEX_DIR`` …); ``DATABASE_URL`` selects the database.
"""
import os
import secrets
from datetime import timedelta

# Only for debug and tests: a served app refuses it (see secret_key_problem).
DEV_SECRET_KEY = "dev-only-secret-key-change-me"
MIN_SECRET_KEY_LENGTH = 32
# Written by `flask secret-key ensure` into the instance folder when MARKET_SECRET_KEY is not set.
SECRET_KEY_FILE = "secret_key"


class Config:
    SECRET_KEY = None  # MARKET_SECRET_KEY, else the instance folder's key file
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app (instance folder)
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SEARCH_INDEX_DIR = None  # filled in by create_app (instance folder)
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # MARKET_COOKIE_SECURE=true: the session and remember-me cookies are sent over HTTPS only.
    COOKIE_SECURE = False
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
    PROXY_COUNT = 0
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Failed log-ins allowed per (account, client address) before waiting; a client address
    # gets 4× as many over all accounts. Each further failure doubles the wait, up to the cap.
    LOGIN_MAX_FAILURES = 5
    LOGIN_BASE_DELAY_SECONDS = 30
    LOGIN_MAX_DELAY_SECONDS = 15 * 60
    LOGIN_WINDOW_SECONDS = 24 * 3600  # a pair's failures count this long (or until its next success)
    LOGIN_CLIENT_WINDOW_SECONDS = 3600  # an address's failures over all accounts count this long
    # API tokens expire after this many days.
    API_TOKEN_DAYS = 90
    PER_PAGE = 20
    # The register's XLSX export is written in the request; larger registers are exported as CSV (streamed).
    LEDGER_XLSX_MAX_ROWS = 50_000
    SQLITE_BUSY_TIMEOUT_MS = 15000
    # Public verification of registration numbers: answers per client address (Flask-Limiter syntax).
    VERIFY_RATE_LIMIT = "30 per minute"
    # Where the limits are counted: "memory://" for one process (development); production sets
    # RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379 so that every worker shares one count.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_KEY_PREFIX = "market"
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = True  # only limited routes get them: the verification answers
    # Redis down: count in this process instead of failing the verification page.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Threads (咨询留言): how many new threads, posts and reports one person may write per so many seconds,
    # counted in the database (every worker sees the same count).
    THREAD_START_LIMIT = (10, 3600)
    THREAD_POST_LIMIT = (30, 600)
    THREAD_REPORT_LIMIT = (20, 3600)
    # Trading a result: the agreed price's public notice (days; the shortest one the owner may choose), a
    # listing's period, and the ascending auction a listing with several intended buyers turns into.
    TRADE_NOTICE_DAYS = 15
    TRADE_NOTICE_MIN_DAYS = 15
    TRADE_LISTING_DAYS = 20
    TRADE_LISTING_AUCTION_HOURS = 24
    TRADE_LISTING_INCREMENT_PERCENT = 1
    # argon2id cost of new password hashes (RFC 9106 low-memory profile: 64 MiB, 3 passes).
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 64 * 1024
    PASSWORD_HASH_PARALLELISM = 4
    # Matching: weight of each factor (any non-negative numbers; they are normalised). The non-text share
    # (0.3 here) is how far field, region, maturity and price can move a score within its text relevance.
    # Background jobs (marketplace.jobs): "rq" with JOBS_REDIS_URL (served by `flask jobs worker`), "thread"
    # (in the web process: the default without Redis) or "inline" (at once; tests). MARKET_JOBS_REDIS_URL=
    # redis://127.0.0.1:6379/0 picks rq.
    JOBS_BACKEND = None
    JOBS_REDIS_URL = None
    JOBS_QUEUE = "market"
    JOBS_THREADS = 2
    # E-mail (Flask-Mail): MARKET_MAIL_SERVER, MARKET_MAIL_PORT, MARKET_MAIL_USE_TLS / _USE_SSL,
    # MARKET_MAIL_USERNAME, MARKET_MAIL_PASSWORD, MARKET_MAIL_DEFAULT_SENDER. Without a server the mail is
    # written to instance/outbox/ as .eml files.
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_DEFAULT_SENDER = "技术市场 <noreply@localhost>"
    # The site's address as people reach it: links in e-mail (jobs have no request to take it from).
    SITE_URL = "http://127.0.0.1:5000"
    SITE_UTC_OFFSET_HOURS = 8
    # Links by e-mail: password reset valid 1 hour and once; address confirmation valid 3 days.
    PASSWORD_RESET_SECONDS = 3600
    EMAIL_CONFIRM_SECONDS = 3 * 24 * 3600
    MATCH_WEIGHTS = {"text": 0.70, "field": 0.08, "region": 0.08, "maturity": 0.06, "price": 0.08}


def environment_overrides() -> dict:
    """Settings read from the process environment."""
    overrides = {}
    if os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"]
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        overrides["SQLALCHEMY_DATABASE_URI"] = url
    if os.environ.get("RATELIMIT_STORAGE_URI"):
        overrides["RATELIMIT_STORAGE_URI"] = os.environ["RATELIMIT_STORAGE_URI"]
    if os.environ.get("MARKET_SECRET_KEY"):
        overrides["SECRET_KEY"] = os.environ["MARKET_SECRET_KEY"]  # as written, not parsed as JSON
    return overrides


def secret_key_problem(key) -> str | None:
    """Why `key` may not sign sessions of a served app, or None."""
    if not key:
        return "未设置 MARKET_SECRET_KEY，实例目录中也没有密钥文件。"
    if key == DEV_SECRET_KEY:
        return "MARKET_SECRET_KEY 是代码中的开发用默认值，任何人都能用它伪造登录。"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"MARKET_SECRET_KEY 太短（至少 {MIN_SECRET_KEY_LENGTH} 个字符）。"
    return None


def read_secret_key_file(instance_path: str) -> str | None:
    """The key kept in the instance folder, or None."""
    try:
        with open(os.path.join(instance_path, SECRET_KEY_FILE), encoding="utf-8") as handle:
            return handle.read().strip() or None
    except FileNotFoundError:
        return None


def ensure_secret_key_file(instance_path: str) -> tuple[str, bool]:
    """The instance folder's key file, written once with a random key (mode 0600); (path, created)."""
    path = os.path.join(instance_path, SECRET_KEY_FILE)
    os.makedirs(instance_path, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path, False
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    return path, True
