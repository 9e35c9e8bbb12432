"""HTTP caching: content-hashed static URLs, conditional GET (ETag → 304) and who may keep a copy.

* Static files: `url_for('static', filename='css/site.css')` gives the hashed file name
  `/static/css/site.<hash of the file>.css` (hashed once per process), and a request for the current
  hash is answered `immutable` for a year; the plain name (and the older `?v=<hash>` form), or an
  old hash, revalidates every time.
* Pages and API reads decorated with `conditional` carry a weak ETag and answer 304 when the
  client's copy is current. A view may give a cheap fingerprint of what it shows, checked
  before the page is built; otherwise the ETag hashes the built body.
* Every other response whose body may depend on the session or the caller is `private`.

A body that embeds a CSRF token is private: the ETag then covers the session's raw token and
a time slot of half the token's lifetime, so a copy revalidated by a 304 never holds an
expired token. Responses showing flash messages are never stored (`no-store`).
"""
import hashlib
import os
import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps

from flask import Flask, Response, current_app, g, make_response, request, session
from flask.globals import request_ctx
from flask_login import current_user
from werkzeug.http import is_resource_modified
from werkzeug.security import safe_join

import search_index
from marketplace import cache
from models.base import utcnow

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE_PUBLIC = "public, no-cache"
REVALIDATE_PRIVATE = "private, no-cache"
NEVER_STORE = "no-store"
PRIVATE_DEFAULT = "private, no-store"
VERSION_ARG = "v"
HASHED_NAME = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")
CSRF_FIELD = "csrf_token"  # Flask-WTF's session key and g attribute (WTF_CSRF_FIELD_NAME)


class StaticVersions:
    """Short content hashes of the files under one folder, each read once per process."""

    def __init__(self, folder: str, track_changes: bool = False):
        self.folder = folder
        self.track_changes = track_changes  # debug: a file edited while the server runs gets a new hash
        self._hashes: dict = {}

    def get(self, filename: str) -> str | None:
        """The file's hash, or None when it is not a file in the folder."""
        path = safe_join(self.folder, filename)
        if path is None:
            return None
        key = filename
        if self.track_changes:
            try:
                key = (filename, os.stat(path).st_mtime_ns)
            except OSError:
                return None
        digest = self._hashes.get(key)
        if digest is None:
            try:
                with open(path, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()[:12]
            except OSError:
                return None
            self._hashes[key] = digest
        return digest


def _versions() -> StaticVersions:
    return current_app.extensions["static_versions"]


def add_static_version(endpoint: str, values: dict) -> None:
    """url_for('static', filename='css/site.css') → css/site.<content hash>.css: a changed file gets a new name."""
    if endpoint == "static" and "filename" in values and VERSION_ARG not in values:
        filename = values["filename"]
        digest = _versions().get(filename)
        stem, dot, ext = filename.rpartition(".")
        if digest and dot and "/" not in ext:
            values["filename"] = f"{stem}.{digest}.{ext}"


def static_file(filename: str) -> tuple[str, bool]:
    """The file a static URL names, and whether the URL carries its current hash (a hashed name, or ?v=)."""
    versions = _versions()
    found = HASHED_NAME.match(filename)
    if found:
        original = found["stem"] + found["ext"]
        current = versions.get(original)
        if current is not None:
            return original, current == found["digest"]
    current = versions.get(filename)
    return filename, current is not None and request.args.get(VERSION_ARG) == current


def serve_static(filename: str):
    """The static view: the file behind a hashed name (an old hash still gets the file, to be revalidated)."""
    original, g.static_current = static_file(filename)
    g.static_original = original
    return current_app.send_static_file(original)


def static_lifetime(response: Response) -> Response:
    """A year, immutable, for the URL carrying the file's current hash; revalidate for any other."""
    if request.endpoint != "static" or response.status_code not in (200, 206, 304):
        return response
    response.headers["Cache-Control"] = IMMUTABLE if g.get("static_current") else REVALIDATE_PUBLIC
    response.headers.pop("Expires", None)
    if not session.modified:
        session.accessed = False  # Flask-Login's cookie check read it; a file never depends on it (no Vary: Cookie)
    return response


@dataclass(frozen=True)
class Fingerprint:
    """A cheap summary of everything a page shows; when it changes, so does the page."""

    text: str
    last_modified: datetime | None = None


def _today() -> str:
    """Pages hide expired needs and default to the year to date: the date is part of every fingerprint."""
    return f"{date.today()}/{utcnow().date()}"


def _fingerprint(*groups: str, searches: bool = False) -> Fingerprint | None:
    """The cache tokens of the data a page shows (marketplace.cache), with the date; for a page with a
    text query also this node's index generation. None (hash the body) while a group has no token."""
    current = cache.tokens()
    if any(group not in current for group in groups):
        return None
    parts = [current[group] for group in groups] + [_today()]
    if searches and request.args.get("q"):
        parts.append(query_index_generation())
    return Fingerprint("|".join(map(str, parts)))


def stats_fingerprint(**_view_args) -> Fingerprint | None:
    """The public statistics (page and API) change only with the daily cells and the regions."""
    return _fingerprint("stats")


def listing_fingerprint(**_view_args) -> Fingerprint | None:
    """A listing's page: the browse pages' data, and the result's trade (the 'trades' group)."""
    return _fingerprint("listings", "trades")


def browse_fingerprint(**_view_args) -> Fingerprint | None:
    """Browse pages, listing lists, the search API, the home page and a listing's page show published
    listings, their organisations, regions and 揭榜 applications: the 'listings' group."""
    return _fingerprint("listings", searches=True)


def _csrf_part() -> str:
    """The session's raw CSRF token (hashed) and the current time slot, when there is a token."""
    raw = session.get(CSRF_FIELD)
    if not raw:
        return ""
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600) or 0
    slot = int(time.time() // max(limit // 2, 1)) if limit else 0
    return hashlib.sha256(str(raw).encode()).hexdigest()[:16] + f"@{slot}"


def release_id(app: Flask) -> str:
    """A hash of the code, templates and static files this process serves, read once: a new
    release changes every ETag, so no client keeps a page built by the old templates."""
    found = app.extensions.get("release_id")
    if found is None:
        root = os.path.dirname(app.root_path)
        digest = hashlib.blake2b(digest_size=16)
        for folder in ("marketplace", "models", "search_index", app.template_folder, app.static_folder):
            for path in sorted(_files(os.path.join(root, folder))):
                with open(path, "rb") as handle:
                    digest.update(path.removeprefix(root).encode() + b"\0" + handle.read())
        found = app.extensions["release_id"] = digest.hexdigest()
    return found


def _files(folder: str):
    for parent, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        yield from (os.path.join(parent, name) for name in names if not name.endswith(".pyc"))


def _tag(*parts) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in (release_id(current_app), request.full_path, *parts):
        digest.update(part if isinstance(part, bytes) else str(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _is_personal(load: bool = True) -> bool:
    """A logged-in user or an API token; `load=False` asks only if the request already loaded the user
    (after the view: a response that never looked at the user does not depend on it)."""
    user = current_user if load else g.get("_login_user")
    return bool(getattr(user, "is_authenticated", False)) or "Authorization" in request.headers


def anonymous_reader() -> bool:
    """Nothing the answer shows can depend on who asks: no user, no API token, no flash message waiting."""
    return not _is_personal() and "_flashes" not in session


def query_index_generation() -> int | None:
    """For a request with a text query, this node's index generation (read once per request); else None."""
    if not request.args.get("q"):
        return None
    if "index_generation" not in g:
        g.index_generation = search_index.generation()
    return g.index_generation


def _flashes_shown() -> bool:
    return bool(request_ctx.flashes)


def _cache_control(response: Response, personal: bool) -> None:
    response.headers["Cache-Control"] = REVALIDATE_PRIVATE if personal else REVALIDATE_PUBLIC
    response.vary.add("Cookie")
    if request.blueprint == "api":
        response.vary.add("Authorization")


def _not_modified(tag: str, last_modified: datetime | None, personal: bool) -> Response:
    response = Response(status=304)
    response.set_etag(tag, weak=True)
    if last_modified is not None:
        response.last_modified = last_modified
    _cache_control(response, personal)
    return response


def _unchanged(tag: str, last_modified: datetime | None) -> bool:
    return not is_resource_modified(request.environ, etag=tag, last_modified=last_modified)


def conditional(fingerprint=None):
    """Decorate a GET view: weak ETag and 304s; `fingerprint(**view_args)` → Fingerprint for the early check.

    The fingerprint serves anonymous callers only (the logged-in user's menu shows counts it does
    not cover); it may raise 404 like the view. Everyone else gets an ETag over the built body.
    """
    def decorate(view):
        @wraps(view)
        def wrapped(**view_args):
            if request.method not in ("GET", "HEAD"):
                return view(**view_args)
            early = None
            if fingerprint is not None and anonymous_reader():
                early = fingerprint(**view_args)
                if early is not None:
                    tag = _tag(request.endpoint, early.text, _csrf_part())
                    if _unchanged(tag, early.last_modified):
                        return _not_modified(tag, early.last_modified, personal=False)
            response = make_response(view(**view_args))
            return finish(response, early)
        return wrapped
    return decorate


def finish(response: Response, early: Fingerprint | None = None) -> Response:
    """Validators and Cache-Control for a built response, then 304 if the client's copy is current."""
    if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return response
    if _flashes_shown():
        response.headers["Cache-Control"] = NEVER_STORE
        return response
    body, token = response.get_data(), g.get(CSRF_FIELD, "").encode()
    embeds_token = bool(token) and token in body
    # A new session cookie goes out (a form made the first CSRF token): not for a shared cache.
    personal = _is_personal(load=False) or embeds_token or session.modified
    if early is not None and not personal:
        tag, last_modified = _tag(request.endpoint, early.text, _csrf_part()), early.last_modified
    else:
        tag, last_modified = _tag(request.endpoint, body.replace(token, b"") if token else body, _csrf_part()), None
    response.set_etag(tag, weak=True)
    if last_modified is not None:
        response.last_modified = last_modified
    _cache_control(response, personal)
    return response.make_conditional(request)


def private_by_default(response: Response) -> Response:
    """A response no view gave a policy: private (or never stored) when it may depend on the caller."""
    if "Cache-Control" in response.headers or request.endpoint == "static":
        return response
    if _flashes_shown():
        response.headers["Cache-Control"] = NEVER_STORE
    elif _is_personal(load=False) or g.get(CSRF_FIELD) or session.modified:
        response.headers["Cache-Control"] = PRIVATE_DEFAULT
    return response


def register(app: Flask) -> None:
    app.extensions["static_versions"] = StaticVersions(app.static_folder, track_changes=app.debug)
    app.url_defaults(add_static_version)
    app.view_functions["static"] = serve_static
    app.after_request(static_lifetime)
    app.after_request(private_by_default)
