"""A real SMTP server for the newsletter tests: aiosmtpd in a thread of this process,
keeping every message it accepts (as the stack proof's sink does)."""

from __future__ import annotations

import re
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """The messages delivered to the server, parsed with the modern email policy."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, address: str, count: int = 1, timeout: float = 20) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"fewer than {count} email(s) to {address} within {timeout} s")


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain part"
    return str(part.get_content())


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "no text/html part"
    return str(part.get_content())


def link(message: EmailMessage, path: str) -> str:
    """The first absolute link in the plain-text part whose path starts with ``path``."""
    found = re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", text_part(message))
    assert found, f"no {path} link in: {text_part(message)}"
    return found.group(1)


class SmtpServer:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.inbox = Inbox()
        self.port = free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def settings(self) -> dict[str, Any]:
        # Flask-Mail suppresses sending under TESTING unless told otherwise.
        return {
            "MAIL_TO_LOG": False,
            "MAIL_SUPPRESS_SEND": False,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.port,
        }
