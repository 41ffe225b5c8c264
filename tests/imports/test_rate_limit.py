"""Uploading exports is rate limited: each one is read and planned in the request."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.media.helpers import multipart, new_writer, sign_in


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_IMPORT": "2 per minute",
        "RATELIMIT_IMPORT_ACCOUNT": "100 per minute",
    }


def test_a_third_upload_within_the_minute_gets_429(app: Flask, client: FlaskClient) -> None:
    sign_in(client, new_writer(app, "hasty"))
    answers = [
        client.post("/settings/import", **multipart({"file": (b"not an export", "x.txt")}))
        for _ in range(3)
    ]
    assert [answer.status_code for answer in answers] == [422, 422, 429]
    assert "Retry-After" in answers[2].headers
