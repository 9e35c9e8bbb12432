"""Pure helpers of the load test, shared by bench/load_test.py and bench/load_locustfile.py.

Standard library only: the locustfile imports this module inside the separate
locust virtualenv, where neither the app nor its dependencies are installed.
"""
import ipaddress
import math
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Server-log lines that mean a request went wrong inside the app, whatever status the client saw.
LOG_PATTERNS = ("Traceback", "LockError", "database is locked", "IndexBusy", "search index sync failed",
                "search index catch-up failed", "WORKER TIMEOUT")
# gunicorn's default access-log line: … "GET /path HTTP/1.1" 200 1234 "-" "agent"
ACCESS_STATUS = re.compile(r'"[A-Z]+ [^"]* HTTP/[0-9.]+" (\d{3}) ')
DETAIL_PATH = re.compile(r"^(?:https?://[^/]+)?/(results|needs|contracts)/(\d+)$")


@dataclass
class ParsedForm:
    """What a browser would submit from a page's forms: hidden values and the offered choices."""

    hidden: dict[str, str] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)  # <select name>: option values
    checkboxes: dict[str, list[str]] = field(default_factory=dict)

    def choices(self, name: str) -> list[str]:
        """Non-blank option values of a select (the blank one is the "please choose" prompt)."""
        return [value for value in self.options.get(name, []) if value]


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.form = ParsedForm()
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind == "hidden":
                # The first one wins: the page header's logout form repeats csrf_token with the same value.
                self.form.hidden.setdefault(name, attrs.get("value") or "")
            elif kind == "checkbox":
                self.form.checkboxes.setdefault(name, []).append(attrs.get("value") or "y")
        elif tag == "select" and name:
            self._select = name
            self.form.options.setdefault(name, [])
        elif tag == "option" and self._select:
            self.form.options[self._select].append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def parse_form(html: str) -> ParsedForm:
    """Hidden inputs, select options and checkbox values of every form on the page."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.form


def detail_id(location: str | None, kind_path: str) -> int | None:
    """The id in a redirect to /results/<id>, /needs/<id> or /contracts/<id>; None for anything else."""
    match = DETAIL_PATH.match(location or "")
    if match is None or match.group(1) != kind_path:
        return None
    return int(match.group(2))


def marker(run_id: str, user_no: int, seq: int) -> str:
    """A string unique to one write of one run, put in the title so the row can be found afterwards."""
    return f"LT{run_id}U{user_no:02d}N{seq:04d}"


def percentile(values, pct: float) -> float:
    """Nearest-rank percentile (p50 of 1..4 is 2, p100 the maximum); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1 (brackets allowed); the load test sends traffic nowhere else."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_bind(bind: str) -> tuple[str, int]:
    """'127.0.0.1:5801' or '[::1]:5801' → (host, port)."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, got {bind!r}")
    return host.strip("[]"), int(port)


def scan_server_log(text: str) -> dict[str, int]:
    """Occurrences of each LOG_PATTERNS entry, plus the 5xx responses in the access log."""
    counts = {pattern: text.count(pattern) for pattern in LOG_PATTERNS}
    counts["5xx in access log"] = sum(1 for status in ACCESS_STATUS.findall(text) if status.startswith("5"))
    return counts


@dataclass
class WriteCheck:
    """One kind of write, compared with the database."""

    sent: int = 0
    acked: int = 0
    lost: int = 0  # acknowledged, but no row carries the marker (or the acknowledged id is not that row)
    duplicated: int = 0  # rows beyond the first for one marker
    resubmits: int = 0  # repeated POSTs of one form (double click or retry)
    split: int = 0  # repeated POSTs of one form acknowledged with different ids


def check_writes(writes: list[dict], stored: dict[str, list[int]]) -> WriteCheck:
    """Compare acknowledged writes with the rows found: `stored` maps each marker to its row ids.

    `writes` are the POSTs of one kind: {"marker", "acked", "id"}; a marker sent
    twice is one form submitted twice and must still be one row.
    """
    check = WriteCheck()
    acked_ids: dict[str, set[int]] = {}
    posts: dict[str, int] = {}
    for write in writes:
        check.sent += 1
        posts[write["marker"]] = posts.get(write["marker"], 0) + 1
        if write["acked"]:
            check.acked += 1
            acked_ids.setdefault(write["marker"], set()).add(write["id"])
    check.resubmits = sum(count - 1 for count in posts.values())
    for key, ids in acked_ids.items():
        rows = stored.get(key, [])
        check.lost += sum(1 for acked_id in ids if acked_id not in rows)
        check.split += len(ids) - 1
    check.duplicated = sum(len(ids) - 1 for ids in stored.values() if len(ids) > 1)
    return check


def process_stats():
    """(pid, fields of /proc/<pid>/stat after "(comm)": state, ppid, pgrp, …) of every live process (Linux)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                yield int(entry), handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
