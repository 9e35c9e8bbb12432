"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the mail tests.

`refuse` makes it answer every message with a permanent error, as a broken relay would.
"""
import email
import socket
import threading
import time
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler: each accepted message parsed, in arrival order."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.refuse = False
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "550 5.7.1 refused by the test server"
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in m["To"]]

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.messages)} of {count} messages arrived within {timeout} s")


class MailServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of a message the site sent."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def link_in(message: EmailMessage, fragment: str) -> str:
    """The first link in the plain text that contains `fragment`, as a path of the site."""
    text, _html = parts(message)
    for word in text.split():
        if fragment in word and "http" in word:
            url = word[word.index("http"):]
            return url[url.index("/", len("http://")):]
    raise AssertionError(f"no link with {fragment} in:\n{text}")


# Fixtures for test modules that send mail: `from tests.mail_server import inbox, smtp, smtp_app_config`, then
# override the suite's app_config with smtp_app_config (the app then sends to this module's server).

@pytest.fixture(scope="module")
def smtp():
    with MailServer() as server:
        yield server


@pytest.fixture
def smtp_app_config(smtp):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port}


@pytest.fixture
def inbox(smtp):
    """The server's messages, emptied and accepting, for one test."""
    smtp.inbox.refuse = False
    smtp.inbox.clear()
    return smtp.inbox
