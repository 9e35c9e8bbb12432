"""gzip and Brotli for text responses (HTML, JSON, CSS, JS) the client accepts.

Pages and API answers are compressed per response at a fast level; static files once per
process at the best level and kept in memory (a handful of files). Downloads (CSV, XLSX,
PDF, backups), streamed bodies, partial content and anything already encoded pass through
untouched. A compressed response's ETag is made weak, as one entity's identity and
compressed forms are then equivalent under the same validator (what nginx's gzip does too),
and `Vary: Accept-Encoding` tells caches the body depends on that header.
"""
import gzip

from flask import Flask, Response, current_app, g, request
from werkzeug.security import safe_join

try:
    import brotli
except ImportError:  # optional: gzip alone still works
    brotli = None

COMPRESSIBLE = {"text/html", "application/json", "text/css", "text/javascript", "application/javascript",
                "image/svg+xml", "text/plain"}
MIN_SIZE = 500  # below about this the headers and framing eat the gain
DEFAULTS = {"COMPRESS": True, "COMPRESS_GZIP_LEVEL": 6, "COMPRESS_BROTLI_QUALITY": 5,
            "COMPRESS_STATIC_GZIP_LEVEL": 9, "COMPRESS_STATIC_BROTLI_QUALITY": 11}


def compress(data: bytes, coding: str, level: int) -> bytes:
    """`data` encoded with `coding` ('br' or 'gzip') at `level`."""
    if coding == "br":
        return brotli.compress(data, quality=level)
    return gzip.compress(data, compresslevel=level, mtime=0)


def chosen_coding() -> str | None:
    """'br' when accepted and available, else 'gzip' when accepted, else None."""
    accepted = request.accept_encodings
    if brotli is not None and accepted.quality("br") > 0:
        return "br"
    if accepted.quality("gzip") > 0:
        return "gzip"
    return None


class StaticCompressed:
    """Compressed static files, made on first request, keyed by file, content hash and coding."""

    def __init__(self):
        self._bodies: dict[tuple, bytes] = {}

    def get(self, filename: str, coding: str) -> bytes | None:
        key = (filename, current_app.extensions["static_versions"].get(filename), coding)
        body = self._bodies.get(key)
        if body is None:
            path = safe_join(current_app.static_folder, filename)
            if path is None:
                return None
            with open(path, "rb") as handle:
                data = handle.read()
            config = current_app.config
            level = config["COMPRESS_STATIC_BROTLI_QUALITY" if coding == "br" else "COMPRESS_STATIC_GZIP_LEVEL"]
            body = self._bodies[key] = compress(data, coding, level)
        return body


def _static_body(response: Response, coding: str) -> bytes | None:
    filename = g.get("static_original") or (request.view_args or {}).get("filename", "")
    if (response.content_length or 0) < MIN_SIZE:
        return None
    return current_app.extensions["static_compressed"].get(filename, coding)


def _dynamic_body(response: Response, coding: str) -> bytes | None:
    if response.is_streamed or response.direct_passthrough:
        return None
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return None
    config = current_app.config
    return compress(data, coding, config["COMPRESS_BROTLI_QUALITY" if coding == "br" else "COMPRESS_GZIP_LEVEL"])


def compress_response(response: Response) -> Response:
    """Encode a text response the client accepts; leave everything else as it is."""
    if (not current_app.config["COMPRESS"] or response.status_code not in (200, 304)
            or response.mimetype not in COMPRESSIBLE or "Content-Encoding" in response.headers
            or (response.is_streamed and request.endpoint != "static")):
        return response
    response.vary.add("Accept-Encoding")
    coding = chosen_coding()
    if response.status_code != 200 or coding is None:
        return response
    body = _static_body(response, coding) if request.endpoint == "static" else _dynamic_body(response, coding)
    if body is None:
        return response
    if response.direct_passthrough:
        response.response.close()  # the file send_file opened
        response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = coding
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response


def register(app: Flask) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.extensions["static_compressed"] = StaticCompressed()
    app.after_request(compress_response)
