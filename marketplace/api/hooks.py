"""Blueprint-wide behaviour of the JSON API: body size limit, JSON errors, token bookkeeping."""
from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace.api import bp
from marketplace.api.auth import touch_token
from marketplace.api.payload import MAX_BODY_BYTES, MAX_URL_BYTES, ApiError, error_json
from marketplace.errors import DomainError
from models import db


@bp.before_request
def limit_body_size():
    """Write calls carry small JSON bodies and short addresses: refuse anything larger before reading it."""
    environ = request.environ
    if len(environ.get("PATH_INFO", "").encode("utf-8", "surrogateescape")) + \
            len(environ.get("QUERY_STRING", "")) > MAX_URL_BYTES:
        raise ApiError(414, "uri_too_long", f"请求地址过长（上限 {MAX_URL_BYTES} 字节）。")
    limit = current_app.config.get("API_MAX_BODY_BYTES", MAX_BODY_BYTES)
    app_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    request.max_content_length = min(limit, app_limit) if app_limit else limit


@bp.errorhandler(DomainError)
def refused(exc: DomainError):
    """Any refusal (a bad call or a service's DomainError) → its JSON error and status; nothing is kept."""
    db.session.rollback()
    return error_json(exc)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    limit = request.max_content_length or 0
    return error_json(ApiError(413, "payload_too_large", f"请求体过大（上限 {limit // 1024} KB）。"))


bp.after_request(touch_token)
