"""Security headers on every response: pages, API, errors and static files alike."""
from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider

# No inline script or style anywhere: every script and stylesheet is a file under static/.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # Bootstrap draws its icons (navbar toggler, close button) as data: SVGs
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
# Sent over HTTPS only: a browser ignores it on plain HTTP, and a development server must stay reachable.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    """Set the headers a view has not set itself."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response


class EscapedJSONProvider(DefaultJSONProvider):
    """JSON with no raw <, > or &: text echoed from input can never be read as markup."""

    def dumps(self, obj, **kwargs) -> str:
        text = super().dumps(obj, **kwargs)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def register(app: Flask) -> None:
    app.json = EscapedJSONProvider(app)
    app.after_request(add_security_headers)
