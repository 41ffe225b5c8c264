"""Newsletter tests: the app mails through a real SMTP server (aiosmtpd) started here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.newsletter.smtp import Inbox, SmtpServer
from tests.web.helpers import CommittingClient


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def inbox(smtp_server: SmtpServer) -> Inbox:
    smtp_server.inbox.clear()
    return smtp_server.inbox


@pytest.fixture
def newsletter_settings() -> dict[str, Any]:
    """More config for a test's app; override it in a test module."""
    return {}


@pytest.fixture
def app_overrides(smtp_server: SmtpServer, newsletter_settings: dict[str, Any]) -> dict[str, Any]:
    return {**smtp_server.settings(), **newsletter_settings}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = CommittingClient
    return app.test_client()
