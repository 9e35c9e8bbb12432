"""大字版 and 高对比度 (适老化): how pages look, chosen by anyone and kept for a signed-in user.

The choice lives in a cookie that a small script in every page's head reads before the page is drawn
(static/js/display.js), so a page's HTML, its ETag and the shared page cache stay the same for everyone.
A signed-in user's choice is stored too and written back into the cookie of whichever browser they sign in on.
"""
from flask import Response, request
from flask_login import current_user

from models import db

COOKIE = "display"
MODES = ("large", "contrast")  # the order they are written in: "large", "contrast", "large_contrast"
MAX_AGE = 365 * 24 * 3600


def mode_of(large: bool, contrast: bool) -> str:
    return "_".join(name for name, on in zip(MODES, (large, contrast)) if on)


def parse(value: str | None) -> set[str]:
    """The modes a cookie value names (anything else in it is ignored)."""
    return {part for part in (value or "").split("_") if part in MODES}


def current_modes() -> set[str]:
    return parse(request.cookies.get(COOKIE))


def set_cookie(response: Response, mode: str) -> None:
    if mode:
        response.set_cookie(COOKIE, mode, max_age=MAX_AGE, path="/", samesite="Lax", secure=request.is_secure)
    else:
        response.delete_cookie(COOKIE, path="/", samesite="Lax", secure=request.is_secure)


def save(user, mode: str) -> None:
    """Keep a signed-in user's choice (flushed; the view commits)."""
    user.display_mode = mode
    db.session.flush()


def follow_the_user(response: Response) -> Response:
    """After each page for a signed-in user whose stored choice differs from this browser's cookie: the cookie
    takes the stored choice (a new browser, or another device changed it)."""
    if response.mimetype != "text/html" or not current_user.is_authenticated:
        return response
    stored = current_user.display_mode
    if stored is not None and parse(stored) != current_modes():
        set_cookie(response, stored)
    return response
