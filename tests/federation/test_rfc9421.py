"""RFC 9421 signatures, as Fedify (Ghost) sends them first: verified with the signer's
key, covering the method, the target URI and Content-Digest; refused when tampered,
stale or signed by another key; and accepted by the inbox."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import http_message_signatures as rfc9421
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from folio.federation import keys, signatures
from folio.federation.models import RemoteFollower
from folio.models import User
from tests.federation.conftest import RemoteServer

URL = "https://blog.example/users/alice/inbox"
KEY_ID = "https://ghost.example/.ghost/activitypub/users/index#main-key"
BODY = b'{"type":"Follow"}'


@dataclass
class Message:
    method: str
    url: str
    headers: Any = field(default_factory=rfc9421.structures.CaseInsensitiveDict)


class Keys(rfc9421.HTTPSignatureKeyResolver):
    def __init__(self, private: rsa.RSAPrivateKey) -> None:
        self.private = private

    def resolve_private_key(self, key_id: str) -> rsa.RSAPrivateKey:
        return self.private


def fedify_signed(
    private: rsa.RSAPrivateKey, url: str = URL, body: bytes = BODY, key_id: str = KEY_ID,
    created: datetime | None = None,
) -> dict[str, str]:  # fmt: skip
    message = Message("POST", url)
    message.headers["Content-Type"] = "application/activity+json"
    signer = rfc9421.HTTPMessageSigner(
        signature_algorithm=rfc9421.algorithms.RSA_V1_5_SHA256, key_resolver=Keys(private)
    )
    signer.sign(
        message,
        key_id=key_id,
        created=created or datetime.now(UTC),
        covered_component_ids=("@method", "@target-uri", "@authority", "content-digest"),
        body=body,
    )
    return {name.lower(): value for name, value in message.headers.items()}


def verify(headers: dict[str, str], pem: str, body: bytes = BODY) -> str:
    return signatures.verify_rfc9421(
        "POST", URL, headers, body, lambda _key, _refresh: pem, max_skew=3600
    )


def test_a_fedify_signature_verifies() -> None:
    pem, private = keys.generate_pair()
    headers = fedify_signed(private)
    assert "signature-input" in headers
    assert headers["content-digest"].startswith("sha-256=:")
    assert verify(headers, pem) == KEY_ID


def test_a_tampered_body_is_refused() -> None:
    pem, private = keys.generate_pair()
    with pytest.raises(signatures.SignatureError):
        verify(fedify_signed(private), pem, body=b'{"type":"Delete"}')


def test_another_key_is_refused() -> None:
    _pem, private = keys.generate_pair()
    other, _ = keys.generate_pair()
    with pytest.raises(signatures.SignatureError):
        verify(fedify_signed(private), other)


def test_a_stale_signature_is_refused() -> None:
    pem, private = keys.generate_pair()
    old = datetime.now(UTC) - timedelta(hours=3)
    with pytest.raises(signatures.SignatureError):
        verify(fedify_signed(private, created=old), pem)


def test_a_signature_for_another_inbox_is_refused() -> None:
    pem, private = keys.generate_pair()
    with pytest.raises(signatures.SignatureError):
        verify(fedify_signed(private, url="https://blog.example/inbox"), pem)


def test_the_inbox_accepts_an_rfc9421_signed_follow(
    client: FlaskClient, remote: RemoteServer, alice: User, session: Session
) -> None:
    bob = remote.add_actor("bob")
    activity = {
        "id": f"{bob}#follows/9421",
        "type": "Follow",
        "actor": bob,
        "object": "http://localhost/users/alice",
    }
    body = json.dumps(activity).encode()
    headers = fedify_signed(
        remote.private_keys["bob"], url="http://localhost/users/alice/inbox", body=body,
        key_id=f"{bob}#main-key",
    )  # fmt: skip
    response = client.post("/users/alice/inbox", data=body, headers=headers)
    assert response.status_code == 202, response.text
    assert session.scalar(select(func.count()).select_from(RemoteFollower)) == 1
    # Tampered: refused, nothing more.
    again = {**activity, "id": f"{bob}#follows/other"}
    response = client.post("/users/alice/inbox", data=json.dumps(again).encode(), headers=headers)
    assert response.status_code == 401
