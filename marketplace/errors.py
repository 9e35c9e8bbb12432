"""Domain errors, error pages (HTML) and JSON errors for the API; never a bare 500 page."""
from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from marketplace.extensions import is_api_request
from models import db


class DomainError(Exception):
    """A refused operation: `message` for the user, `status` and `code` for the response, `field` if it has one."""

    # Services raise it (or an area's subclass); the site flashes the message, the API
    # answers it as JSON, and either way the request's changes are rolled back.
    status = 409
    code = "conflict"

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None,
                 code: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


MESSAGES = {
    400: "请求无效。",
    401: "需要登录。",
    403: "您无权访问该页面。",
    404: "页面不存在或已被删除。",
    405: "不支持该请求方式。",
    413: "上传的文件过大。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误，请稍后再试。",
}


def error_response(status: int, message: str | None = None, code: str | None = None):
    message = message or MESSAGES.get(status, "请求失败。")
    if is_api_request():
        body = {"error": {"code": code or str(status), "message": message}}
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, "表单已过期或来源无效，请刷新页面后重试。", "csrf_failed")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        description = exc.description if exc.description and exc.description != type(exc).description else None
        response = make_response(error_response(exc.code or 500, description, exc.name.lower().replace(" ", "_")))
        if getattr(exc, "valid_methods", None):  # 405 must say which methods the URL accepts
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(DomainError)
    def domain_error(exc):
        """A refusal no view turned into a message: its own page or JSON, nothing kept."""
        db.session.rollback()
        return error_response(exc.status, exc.message, exc.code)

    @app.errorhandler(Exception)
    def unhandled(exc):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, code="internal_error")
