"""Validating `next` targets so log-in cannot be used as an open redirect."""
from urllib.parse import urlsplit


def is_safe_next(target: str | None) -> bool:
    """True only for a relative path on this site ('/results?page=2').

    Refused: absolute URLs and schemes ('http://…', 'javascript:…'), protocol-relative
    '//host', anything with a backslash (browsers read '/\\host' as '//host'), and
    whitespace or control characters (browsers drop tabs and newlines inside URLs, so
    '/\\t/host' would also become '//host').
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str) -> str:
    """`target` when it is a safe relative path, otherwise `fallback`."""
    return target if is_safe_next(target) else fallback
