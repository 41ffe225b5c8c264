"""Inboxes are rate-limited per remote host (the signer's), not per connecting address."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from folio.models import User
from tests.federation.conftest import RemoteServer


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_FEDERATION_INBOX": "3 per minute"}


def test_one_remote_host_is_limited_without_limiting_others(
    client: FlaskClient, remote: RemoteServer, alice: User
) -> None:
    remote.add_actor("bob")

    def send(key_host: str) -> int:
        headers = {"Signature": f'keyId="https://{key_host}/users/x#main-key",signature="AA"'}
        return client.post("/inbox", data=b"{}", headers=headers).status_code

    assert [send("noisy.example") for _ in range(4)] == [400, 400, 400, 429]
    assert send("quiet.example") == 400


def test_following_by_handle_is_rate_limited(client: FlaskClient, alice: User) -> None:
    from tests.web.helpers import sign_in_through_the_session

    client.application.config["RATELIMIT_FEDERATION_FOLLOW"] = "2 per minute"
    sign_in_through_the_session(client, alice)
    statuses = [
        client.post("/federation/following", data={"handle": "bad"}).status_code for _ in range(3)
    ]
    assert statuses == [422, 422, 429]
