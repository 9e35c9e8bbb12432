"""Rate limits (Flask-Limiter) on the public verification answers only, in a store every worker shares.

RATELIMIT_STORAGE_URI names the store: "memory://" (one process; the default, so a fresh
checkout runs without Redis) or "redis://127.0.0.1:6379" in production, where every
gunicorn worker must count the same requests. Other routes carry no limit, no headers and
no cost: Flask-Limiter's per-request hooks run around the verification views alone.
"""
from functools import partial, wraps

from flask import Flask, current_app, make_response
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from marketplace.errors import error_response

# The HTML answers and the JSON one share a single budget per client address.
VERIFY_ENDPOINTS = ("verification.form", "verification.number", "api.verify")
VERIFY_SCOPE = "verify"
TOO_MANY = "核验请求过于频繁，请稍后再试。"


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def _take_hooks(app: Flask, limiter: Limiter):
    """Remove the limiter's app-wide before/after/teardown hooks; return the after and teardown ones."""
    def own(hook) -> bool:
        bound = hook.args if isinstance(hook, partial) else (getattr(hook, "__self__", None),)
        return limiter in bound

    found = {}
    for name, hooks in (("before", app.before_request_funcs), ("after", app.after_request_funcs),
                        ("teardown", app.teardown_request_funcs)):
        mine = [hook for hook in hooks.get(None, []) if own(hook)]
        hooks[None] = [hook for hook in hooks.get(None, []) if not own(hook)]
        found[name] = mine[0]
    return found["after"], found["teardown"]


def _guarded(view, limit, add_headers, release):
    """The view behind the limit; a refusal is the site's 429 page (or JSON) with Retry-After."""
    checked = limit(view)

    @wraps(view)
    def guarded(*args, **kwargs):
        try:
            try:
                response = make_response(checked(*args, **kwargs))
            except RateLimitExceeded as exc:
                response = make_response(error_response(429, exc.description, "too_many_requests"))
            return add_headers(response)
        finally:
            release()

    return guarded


def install(app: Flask) -> Limiter:
    """A limiter of this app's own (bound after the blueprints) wrapping the verification views."""
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    app.extensions["market_limiter"] = limiter
    if not limiter.enabled:  # RATELIMIT_ENABLED=false: Flask-Limiter added no hooks
        return limiter
    add_headers, release = _take_hooks(app, limiter)
    limit = limiter.shared_limit(_verify_limit, scope=VERIFY_SCOPE, error_message=TOO_MANY)
    for endpoint in VERIFY_ENDPOINTS:
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = _guarded(app.view_functions[endpoint], limit, add_headers, release)
    return limiter
