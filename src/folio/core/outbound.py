"""The one way Folio reaches out: remote images, webhooks, federation all come here.

A request to a URL a stranger chose must not become a request to Folio's own network.
:func:`fetch` therefore resolves the host itself, refuses any address that is not a
public unicast one (loopback, private, link-local and cloud metadata, shared, reserved,
multicast; IPv4 mapped into IPv6 included) unless the policy allows private addresses (a
test setting), and then connects to the very address it checked, so a DNS answer that
changes between the check and the connection cannot slip through. Redirects are
followed by hand, each hop checked again. Every request has connect and read timeouts
and a cap on the body it reads.

No Flask here: the caller turns the app's config into an :class:`OutboundPolicy`.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REDIRECTS = frozenset({301, 302, 303, 307, 308})


class OutboundRefused(Exception):
    """The request was not sent (or not finished): the message says why."""


@dataclass(frozen=True)
class OutboundPolicy:
    # Loopback and private addresses, over plain http too: tests and local development.
    allow_private: bool = False
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    # A trickling answer (a byte every few seconds) ends here, whatever the read timeout.
    total_timeout: float = 30.0
    max_redirects: int = 3
    user_agent: str = "Folio"

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> OutboundPolicy:
        """The policy the app's ``OUTBOUND_*`` settings describe."""
        return cls(
            allow_private=bool(config.get("OUTBOUND_ALLOW_PRIVATE_ADDRESSES", False)),
            connect_timeout=float(str(config.get("OUTBOUND_CONNECT_TIMEOUT", 5.0))),
            read_timeout=float(str(config.get("OUTBOUND_READ_TIMEOUT", 10.0))),
            total_timeout=float(str(config.get("OUTBOUND_TOTAL_TIMEOUT", 30.0))),
            max_bytes=int(str(config.get("OUTBOUND_MAX_BYTES", 5 * 1024 * 1024))),
        )


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str = field(default="")


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def allowed_address(address: IPAddress, policy: OutboundPolicy) -> bool:
    """Public unicast addresses; with ``allow_private`` also loopback and private ones,
    but never link-local (cloud metadata lives there), multicast or unspecified."""
    address = _unmapped(address)
    if address.is_link_local or address.is_multicast or address.is_unspecified:
        return False
    return address.is_global or policy.allow_private


def resolve(url: str, policy: OutboundPolicy) -> tuple[str, str, int, IPAddress]:
    """``(scheme, host, port, address)`` to connect to for ``url``, or why not.

    :raises OutboundRefused: a scheme other than http(s), plain http to a public host,
        a host that does not resolve, or one that resolves to an address the policy
        refuses (every address it resolves to is checked, not only the first).
    """
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in ("http", "https") or not host:
        raise OutboundRefused(f"only http(s) URLs with a host are fetched: {url!r}")
    if scheme == "http" and not policy.allow_private:
        raise OutboundRefused("plain http is refused; use https")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:
        raise OutboundRefused(f"{host} does not resolve") from exc
    addresses = [ipaddress.ip_address(str(answer[4][0]).split("%")[0]) for answer in answers]
    if not addresses:
        raise OutboundRefused(f"{host} does not resolve")
    refused = [str(a) for a in addresses if not allowed_address(a, policy)]
    if refused:
        raise OutboundRefused(f"{host} resolves to a non-public address ({refused[0]})")
    return scheme, host, port, addresses[0]


def fetch(
    url: str,
    policy: OutboundPolicy,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
) -> OutboundResponse:
    """Send one request (following redirects for GET), within the policy's limits.

    :raises OutboundRefused: refused before sending, timed out, over the size cap, too
        many redirects, or the connection failed.
    """
    for _ in range(policy.max_redirects + 1):
        response = _send(url, policy, method, headers or {}, body)
        location = response.headers.get("location")
        if response.status not in REDIRECTS or not location or method != "GET":
            return response
        url = urljoin(url, location)
    raise OutboundRefused(f"more than {policy.max_redirects} redirects")


def _send(
    url: str, policy: OutboundPolicy, method: str, headers: Mapping[str, str], body: bytes | None
) -> OutboundResponse:
    scheme, host, port, address = resolve(url, policy)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = urllib3.Timeout(connect=policy.connect_timeout, read=policy.read_timeout)
    # The connection goes to the address just checked; the name is kept for the Host
    # header and for TLS (SNI and certificate checks).
    options: dict[str, object] = {"timeout": timeout, "retries": False, "maxsize": 1}
    if scheme == "https":
        options.update(server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED")
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            str(address),
            port,
            **options,  # type: ignore[arg-type]
        )
    else:
        pool = urllib3.HTTPConnectionPool(str(address), port, **options)  # type: ignore[arg-type]
    host_header = host if port in (80, 443) else f"{host}:{port}"
    sent = {"User-Agent": policy.user_agent, **headers, "Host": host_header}
    try:
        raw = pool.urlopen(
            method, target, body=body, headers=sent, redirect=False, preload_content=False
        )
        try:
            data = _read_capped(raw, policy)
        finally:
            raw.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        raise OutboundRefused(f"{host}: {type(exc).__name__}") from exc
    finally:
        pool.close()
    return OutboundResponse(raw.status, {k.lower(): v for k, v in raw.headers.items()}, data, url)


def _read_capped(raw: urllib3.BaseHTTPResponse, policy: OutboundPolicy) -> bytes:
    limit = policy.max_bytes
    declared = raw.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise OutboundRefused(f"the answer is over {limit} bytes")
    deadline = time.monotonic() + policy.total_timeout
    chunks, size = [], 0
    # read1: whatever one read brings, so the deadline is checked as bytes trickle in.
    while chunk := raw.read1(16 * 1024):
        size += len(chunk)
        if size > limit:
            raise OutboundRefused(f"the answer is over {limit} bytes")
        if time.monotonic() > deadline:
            raise OutboundRefused(f"the answer took over {policy.total_timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)
