"""HTTP Signatures (draft-cavage, as Mastodon): vectors computed both ways, and every
way a request can be wrongly signed."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from folio.federation import keys, signatures
from folio.federation.signatures import SignatureError

NOW = datetime(2026, 12, 3, 10, 0, 0, tzinfo=UTC)
INBOX = "https://blog.example/users/alice/inbox"
KEY_ID = "https://social.example/users/bob#main-key"
BODY = b'{"type":"Follow","actor":"https://social.example/users/bob"}'


@cache
def key_pair(seed: int = 0) -> tuple[str, rsa.RSAPrivateKey]:
    return keys.generate_pair()


def lookup_for(pem: str):
    calls: list[tuple[str, bool]] = []

    def lookup(key_id: str, refresh: bool) -> str | None:
        calls.append((key_id, refresh))
        return pem if key_id == KEY_ID else None

    lookup.calls = calls  # type: ignore[attr-defined]
    return lookup


def received(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def verify(headers: dict[str, str], body: bytes | None = BODY, pem: str | None = None, **kw):
    pem = pem or key_pair()[0]
    return signatures.verify_request(
        "POST", "/users/alice/inbox", received(headers), body, lookup_for(pem),
        max_skew=3600, now=kw.get("now", NOW),
    )  # fmt: skip


def test_signed_headers_match_what_mastodon_expects() -> None:
    _pem, private = key_pair()
    headers = signatures.sign_request("POST", INBOX, BODY, KEY_ID, private, NOW)
    assert headers["Host"] == "blog.example"
    assert headers["Date"] == "Thu, 03 Dec 2026 10:00:00 GMT"
    expected_digest = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    assert headers["Digest"] == f"SHA-256={expected_digest}"
    parsed = signatures.parse_signature(headers["Signature"])
    assert parsed.key_id == KEY_ID
    assert parsed.algorithm == "rsa-sha256"
    assert parsed.headers == ("(request-target)", "host", "date", "digest")


def test_vector_signed_here_verifies_with_the_bare_primitive() -> None:
    # The signing string written out by hand, as the draft's examples do.
    pem, private = key_pair()
    headers = signatures.sign_request("POST", INBOX, BODY, KEY_ID, private, NOW)
    text = (
        "(request-target): post /users/alice/inbox\n"
        "host: blog.example\n"
        "date: Thu, 03 Dec 2026 10:00:00 GMT\n"
        f"digest: {headers['Digest']}"
    ).encode()
    signature = signatures.parse_signature(headers["Signature"]).signature
    private.public_key().verify(signature, text, padding.PKCS1v15(), hashes.SHA256())
    assert verify(headers) == KEY_ID


def test_vector_signed_by_the_bare_primitive_verifies_here() -> None:
    pem, private = key_pair()
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    date = "Thu, 03 Dec 2026 10:00:00 GMT"
    text = (
        "(request-target): post /users/alice/inbox\nhost: blog.example\n"
        f"date: {date}\ndigest: {digest}"
    )
    raw = private.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    headers = {
        "Host": "blog.example",
        "Date": date,
        "Digest": digest,
        # hs2019 and a different parameter order, as other servers write it.
        "Signature": (
            f'signature="{base64.b64encode(raw).decode()}",'
            'headers="(request-target) host date digest",'
            f'algorithm="hs2019",keyId="{KEY_ID}"'
        ),
    }
    assert verify(headers) == KEY_ID


def test_a_tampered_body_is_refused() -> None:
    _pem, private = key_pair()
    headers = signatures.sign_request("POST", INBOX, BODY, KEY_ID, private, NOW)
    with pytest.raises(SignatureError, match="Digest"):
        verify(headers, body=BODY.replace(b"Follow", b"Delete"))


def test_a_digest_rewritten_to_match_a_tampered_body_breaks_the_signature() -> None:
    _pem, private = key_pair()
    headers = signatures.sign_request("POST", INBOX, BODY, KEY_ID, private, NOW)
    tampered = BODY.replace(b"Follow", b"Delete")
    headers["Digest"] = signatures.digest_header(tampered)
    with pytest.raises(SignatureError, match="does not verify"):
        verify(headers, body=tampered)


@pytest.mark.parametrize("offset", [timedelta(hours=-2), timedelta(hours=2)])
def test_a_stale_or_future_date_is_refused(offset: timedelta) -> None:
    _pem, private = key_pair()
    headers = signatures.sign_request("POST", INBOX, BODY, KEY_ID, private, NOW + offset)
    with pytest.raises(SignatureError, match="Date"):
        verify(headers)


def test_a_signature_by_another_key_is_refused_after_one_refetch() -> None:
    other_pem, _ = keys.generate_pair()
    _pem, private = key_pair()
    headers = signatures.sign_request("POST", INBOX, BODY, KEY_ID, private, NOW)
    lookup = lookup_for(other_pem)
    with pytest.raises(SignatureError, match="does not verify"):
        signatures.verify_request(
            "POST", "/users/alice/inbox", received(headers), BODY, lookup, max_skew=3600, now=NOW
        )
    # Tried the cached key, then fetched it once more (a rotated key), and no more.
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]  # type: ignore[attr-defined]


def test_a_rotated_key_verifies_after_the_refetch() -> None:
    old_pem, _ = keys.generate_pair()
    new_pem, private = key_pair()
    headers = signatures.sign_request("POST", INBOX, BODY, KEY_ID, private, NOW)

    def lookup(key_id: str, refresh: bool) -> str:
        return new_pem if refresh else old_pem

    assert (
        signatures.verify_request(
            "POST", "/users/alice/inbox", received(headers), BODY, lookup, max_skew=3600, now=NOW
        )
        == KEY_ID
    )


def test_a_signature_for_another_path_is_refused() -> None:
    _pem, private = key_pair()
    headers = signatures.sign_request(
        "POST", "https://blog.example/inbox", BODY, KEY_ID, private, NOW
    )
    with pytest.raises(SignatureError, match="does not verify"):
        verify(headers)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "no Signature"),
        ('keyId="x"', "lacks"),
        (f'keyId="{KEY_ID}",algorithm="hmac-sha256",signature="AAAA"', "unsupported"),
        (f'keyId="{KEY_ID}",algorithm="rsa-sha256",signature="%%%"', "base64"),
        (f'keyId="{KEY_ID}",headers="date",signature="AAAA"', "does not cover"),
        ("x" * 5000, "too long"),
    ],
)
def test_malformed_signature_headers_are_refused(header: str | None, message: str) -> None:
    headers = {"Host": "blog.example", "Date": "Thu, 03 Dec 2026 10:00:00 GMT"}
    if header is not None:
        headers["Signature"] = header
    with pytest.raises(SignatureError, match=message):
        verify(headers)


def test_a_body_without_a_signed_digest_is_refused() -> None:
    _pem, private = key_pair()
    headers = signatures.sign_request("GET", INBOX, None, KEY_ID, private, NOW)
    with pytest.raises(SignatureError, match="digest"):
        verify(headers, body=BODY)


def test_private_keys_are_encrypted_at_rest_and_survive_a_secret_rotation() -> None:
    _pem, private = key_pair()
    stored = keys.fernet_for(["old-secret"]).encrypt(keys.private_pem(private))
    assert b"PRIVATE KEY" not in stored
    rotated = keys.fernet_for(["new-secret", "old-secret"])
    assert rotated.decrypt(stored) == keys.private_pem(private)
    with pytest.raises(InvalidToken):
        keys.fernet_for(["unrelated"]).decrypt(stored)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://blog.example:443/inbox", "blog.example"),
        ("http://blog.example:80/inbox", "blog.example"),
        ("http://127.0.0.1:8001/inbox", "127.0.0.1:8001"),
        ("https://[::1]:8443/inbox", "[::1]:8443"),
    ],
)
def test_the_signed_host_is_the_host_header_sent(url: str, host: str) -> None:
    _pem, private = key_pair()
    assert signatures.sign_request("POST", url, BODY, KEY_ID, private, NOW)["Host"] == host
