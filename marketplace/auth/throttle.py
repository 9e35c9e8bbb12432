"""Log-in throttling by (account, client address) and by client address, with growing waits.

Failures from one client never slow another client's log-in to the same account, so a
stranger cannot lock an account out. The client address is `request.remote_addr`, made
the real one behind PROXY_COUNT trusted proxies (ProxyFix, set up in create_app).
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from models import LoginAttempt, db
from models.base import utcnow

# A client address may fail this many times as often as one (account, address) pair.
CLIENT_FACTOR = 4


def _failures(since: datetime, *conditions) -> tuple[int, datetime | None]:
    """Failed attempts after `since` matching `conditions`: (how many, the latest)."""
    stmt = select(func.count(), func.max(LoginAttempt.at)).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.at > since, *conditions)
    count, latest = db.session.execute(stmt).one()
    return count, latest


def backoff_seconds(failures: int, free: int) -> int:
    """The wait after `failures` failures when `free` are allowed: doubling from the base, capped."""
    if failures < free:
        return 0
    config = current_app.config
    return min(int(config["LOGIN_MAX_DELAY_SECONDS"]), int(config["LOGIN_BASE_DELAY_SECONDS"]) * 2 ** (failures - free))


def _remaining(failures: int, latest: datetime | None, free: int, now: datetime) -> int:
    if latest is None:
        return 0
    wait = latest + timedelta(seconds=backoff_seconds(failures, free)) - now
    return max(0, int(wait.total_seconds() + 0.999))


def login_wait_seconds(username: str, remote_addr: str) -> int:
    """Seconds this client must wait before trying `username` again; 0 when it may try now."""
    now, config = utcnow(), current_app.config
    window_start = now - timedelta(seconds=config["LOGIN_WINDOW_SECONDS"])
    free = int(config["LOGIN_MAX_FAILURES"])
    pair = (LoginAttempt.username == username.lower(), LoginAttempt.remote_addr == remote_addr)
    # The pair's count starts again after its own success; the client's count does not.
    last_success = db.session.scalar(select(func.max(LoginAttempt.at)).where(LoginAttempt.succeeded.is_(True), *pair))
    pair_failures = _failures(max(window_start, last_success or window_start), *pair)
    client_start = now - timedelta(seconds=config["LOGIN_CLIENT_WINDOW_SECONDS"])
    client_failures = _failures(client_start, LoginAttempt.remote_addr == remote_addr)
    return max(_remaining(*pair_failures, free, now), _remaining(*client_failures, free * CLIENT_FACTOR, now))


def wait_text(seconds: int) -> str:
    """'30 秒', '2 分钟' — how long to wait, for the message."""
    return f"{seconds} 秒" if seconds < 60 else f"{(seconds + 59) // 60} 分钟"
