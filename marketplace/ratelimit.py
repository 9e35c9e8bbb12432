"""Rate limits (Flask-Limiter) on the public verification answers only, in a store every worker shares.

RATELIMIT_STORAGE_URI names the store: "memory://" (one process; the default, so a fresh
checkout runs without Redis) or "redis://127.0.0.1:6379" in production, where every
gunicorn worker must count the same requests. Other routes carry no limit and no headers.
"""
from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# The HTML answers and the JSON one share a single budget per client address.
VERIFY_ENDPOINTS = ("verification.form", "verification.number", "api.verify")
VERIFY_SCOPE = "verify"
TOO_MANY = "核验请求过于频繁，请稍后再试（每个网络地址每分钟最多 {limit} 次）。"


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def install(app: Flask) -> Limiter:
    """A limiter of this app's own (bound after the blueprints) wrapping the verification views."""
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    message = TOO_MANY.format(limit=app.config["VERIFY_RATE_LIMIT"].split(" ")[0])
    limit = limiter.shared_limit(_verify_limit, scope=VERIFY_SCOPE, error_message=message)
    for endpoint in VERIFY_ENDPOINTS:
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    app.extensions["market_limiter"] = limiter
    return limiter
