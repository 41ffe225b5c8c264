"""HTTP Signatures as Mastodon signs and verifies them (draft-cavage-http-signatures-12),
and RFC 9421 signatures as Fedify (Ghost) sends them first.

A draft-cavage request carries ``Signature: keyId="...",algorithm="rsa-sha256",
headers="(request-target) host date digest",signature="<base64>"`` and, with a body,
``Digest: SHA-256=<base64 of the body's SHA-256>``. No maintained Python library does
this draft today (httpsig was last released in 2018), so this small module does it on
``cryptography``. RFC 9421 (``Signature-Input``, ``Content-Digest``) is verified with
the maintained ``http-message-signatures``. Folio signs with the draft, which every
server reads. No Flask here.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

import http_message_signatures as rfc9421
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGNED_HEADERS = ("(request-target)", "host", "date", "digest")
# What every signature must cover; with a body, "digest" too.
REQUIRED = frozenset({"(request-target)", "host", "date"})
_PARAM = re.compile(r'\s*([a-zA-Z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')
MAX_SIGNATURE_HEADER = 4096


class SignatureError(Exception):
    """The request is not signed as required; the message says how (for logs)."""


@dataclass(frozen=True)
class ParsedSignature:
    key_id: str
    algorithm: str
    headers: tuple[str, ...]
    signature: bytes


def digest_header(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def http_date(moment: datetime | None = None) -> str:
    return format_datetime((moment or datetime.now(UTC)).astimezone(UTC), usegmt=True)


def _signing_string(
    names: tuple[str, ...], method: str, path: str, headers: Mapping[str, str]
) -> str:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path}")
            continue
        value = headers.get(name)
        if value is None:
            raise SignatureError(f"signed header {name!r} is missing")
        lines.append(f"{name}: {value.strip()}")
    return "\n".join(lines)


def request_host(url: str) -> str:
    """The Host header a request to ``url`` carries: no port when it is the default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def sign_request(
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers that sign a request to ``url``: Host, Date, Digest (with a body) and
    Signature. The caller sends them as they are."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"host": request_host(url), "date": http_date(now)}
    names: tuple[str, ...] = ("(request-target)", "host", "date")
    if body is not None:
        headers["digest"] = digest_header(body)
        names = SIGNED_HEADERS
    text = _signing_string(names, method, path, headers).encode()
    signature = private_key.sign(text, padding.PKCS1v15(), hashes.SHA256())
    headers["signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return {
        "Host": headers["host"],
        "Date": headers["date"],
        **({"Digest": headers["digest"]} if body is not None else {}),
        "Signature": headers["signature"],
    }


def parse_signature(value: str | None) -> ParsedSignature:
    if not value:
        raise SignatureError("no Signature header")
    if len(value) > MAX_SIGNATURE_HEADER:
        raise SignatureError("Signature header too long")
    params = {name.lower(): content for name, content in _PARAM.findall(value)}
    key_id, encoded = params.get("keyid"), params.get("signature")
    if not key_id or not encoded:
        raise SignatureError("Signature lacks keyId or signature")
    algorithm = params.get("algorithm", "hs2019").lower()
    # hs2019 lets the key decide; Folio's keys and Mastodon's are RSA, so both mean this.
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"unsupported algorithm {algorithm!r}")
    names = tuple(params.get("headers", "date").lower().split())
    try:
        signature = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise SignatureError("signature is not base64") from exc
    return ParsedSignature(key_id, algorithm, names, signature)


def check_date(value: str | None, max_skew: float, now: datetime | None = None) -> None:
    if not value:
        raise SignatureError("no Date header")
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError) as exc:
        raise SignatureError("Date is not an HTTP date") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    skew = abs(((now or datetime.now(UTC)) - when).total_seconds())
    if skew > max_skew:
        raise SignatureError(f"Date is {skew:.0f} s away from now")


def check_digest(value: str | None, body: bytes) -> None:
    if not value:
        raise SignatureError("no Digest header")
    expected = digest_header(body).split("=", 1)[1]
    for item in value.split(","):
        algorithm, _, encoded = item.strip().partition("=")
        if algorithm.lower() == "sha-256":
            if encoded.strip() != expected:
                raise SignatureError("Digest does not match the body")
            return
    raise SignatureError("Digest has no SHA-256")


def verify_with_key(
    parsed: ParsedSignature, public_pem: str, method: str, path: str, headers: Mapping[str, str]
) -> bool:
    """Whether the signature is good for this request and public key."""
    try:
        key = serialization.load_pem_public_key(public_pem.encode())
    except ValueError:
        return False
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    text = _signing_string(parsed.headers, method, path, headers).encode()
    try:
        key.verify(parsed.signature, text, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


KeyLookup = Callable[[str, bool], str | None]


def verify_request(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes | None,
    lookup: KeyLookup,
    *,
    max_skew: float,
    now: datetime | None = None,
) -> str:
    """Check a received request's signature; the signer's key id.

    ``headers`` has lower-case names. ``lookup(key_id, refresh)`` gives the public key's
    PEM (``refresh=True``: fetch it again, for a key that was rotated), or None.

    :raises SignatureError: unsigned, unsupported, stale, a wrong Digest, or a signature
        that the signer's key (even refetched) does not verify.
    """
    parsed = parse_signature(headers.get("signature"))
    required = REQUIRED | ({"digest"} if body is not None else set())
    missing = required - set(parsed.headers)
    if missing:
        raise SignatureError(f"signature does not cover {sorted(missing)}")
    check_date(headers.get("date"), max_skew, now)
    if body is not None:
        check_digest(headers.get("digest"), body)
    for refresh in (False, True):
        pem = lookup(parsed.key_id, refresh)
        if pem and verify_with_key(parsed, pem, method, path, headers):
            return parsed.key_id
    raise SignatureError("signature does not verify")


def verify_rfc9421(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    lookup: KeyLookup,
    *,
    max_skew: float,
) -> str:
    """Check an RFC 9421 signature (``Signature-Input``, rsa-v1_5-sha256); the key id.

    ``url`` is the public URL the sender addressed. The signature must cover the method,
    the target URI and, with a body, ``Content-Digest``, be created within ``max_skew``
    seconds, and verify with the signer's key (refetched once, as for the draft).

    :raises SignatureError: as :func:`verify_request`.
    """
    if len(headers.get("signature-input", "")) > MAX_SIGNATURE_HEADER:
        raise SignatureError("Signature-Input header too long")
    message = _Message(method.upper(), url, rfc9421.structures.CaseInsensitiveDict(headers))
    skew = timedelta(seconds=max_skew)
    problem = "signature does not verify"
    for refresh in (False, True):
        verifier = rfc9421.HTTPMessageVerifier(
            signature_algorithm=rfc9421.algorithms.RSA_V1_5_SHA256,
            key_resolver=_Resolver(lookup, refresh),
        )
        verifier.max_clock_skew = skew
        try:
            results = verifier.verify(
                message, max_age=skew, require_components=("@method", "@target-uri"), body=body
            )
        except (rfc9421.InvalidSignature, rfc9421.HTTPMessageSignaturesException) as exc:
            problem = str(exc) or problem
            continue
        key_id = results[0].parameters.get("keyid")
        if isinstance(key_id, str):
            return key_id
    raise SignatureError(problem)


@dataclass
class _Message:
    method: str
    url: str
    headers: Mapping[str, str]


class _Resolver(rfc9421.HTTPSignatureKeyResolver):
    def __init__(self, lookup: KeyLookup, refresh: bool) -> None:
        self.lookup, self.refresh = lookup, refresh

    def resolve_public_key(self, key_id: str) -> bytes | None:
        pem = self.lookup(key_id, self.refresh)
        return pem.encode() if pem else None
