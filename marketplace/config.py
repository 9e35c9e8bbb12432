"""Configuration defaults; everything is overridable from the environment.

Environment variables use the ``MARKET_`` prefix (``MARKET_SECRET_KEY``,
``MARKET_SEARCH_INDEX_DIR`` …); ``DATABASE_URL`` selects the database.
"""
import os
from datetime import timedelta

DEV_SECRET_KEY = "dev-only-secret-key-change-me"


class Config:
    SECRET_KEY = DEV_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app (instance folder)
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SEARCH_INDEX_DIR = None  # filled in by create_app (instance folder)
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Failed log-ins allowed per account and per client address inside the window.
    LOGIN_MAX_FAILURES = 5
    LOGIN_WINDOW_SECONDS = 15 * 60
    PER_PAGE = 20
    SQLITE_BUSY_TIMEOUT_MS = 15000
    # argon2id cost of new password hashes (RFC 9106 low-memory profile: 64 MiB, 3 passes).
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 64 * 1024
    PASSWORD_HASH_PARALLELISM = 4
    # Matching: weight of each factor in the score (any non-negative numbers; they are normalised).
    MATCH_WEIGHTS = {"text": 0.45, "field": 0.15, "region": 0.15, "maturity": 0.10, "price": 0.15}


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
    return overrides
