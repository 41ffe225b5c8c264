"""The outbound guard: what a stranger's URL may make Folio fetch, against a real server.

The server listens on loopback, which the guard refuses unless the policy allows private
addresses (as tests and local development do). Refused addresses are refused before any
connection is made, so no test here sends a packet anywhere but 127.0.0.1.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from folio.core.outbound import OutboundPolicy, OutboundRefused, fetch

LOCAL = OutboundPolicy(allow_private=True, connect_timeout=2, read_timeout=0.5, total_timeout=1.5)
MEGABYTE = 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *_args: object) -> None:
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        Handler.hits.append(self.path)
        route = {
            "/hello": self._hello,
            "/to-metadata": lambda: self._redirect("http://169.254.169.254/latest/meta-data/"),
            "/to-hello": lambda: self._redirect("/hello"),
            "/loop": lambda: self._redirect("/loop"),
            "/big": lambda: self._body(b"x" * (2 * MEGABYTE)),
            "/big-chunked": self._big_chunked,
            "/hang": lambda: time.sleep(3),
            "/trickle": self._trickle,
        }.get(self.path, lambda: self.send_error(404))
        try:
            route()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the guard hung up, as the test wants

    def _hello(self) -> None:
        self._body(f"hello {self.headers['Host']}".encode())

    def _body(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, where: str) -> None:
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _big_chunked(self) -> None:
        self.protocol_version = "HTTP/1.1"
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for _ in range(40):
            chunk = b"y" * 65536
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def _trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        for _ in range(20):
            self.wfile.write(b"z")
            self.wfile.flush()
            time.sleep(0.2)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _fresh_hits() -> None:
    Handler.hits.clear()


def test_a_local_server_is_fetched_when_private_addresses_are_allowed(server: str) -> None:
    response = fetch(f"{server}/hello", LOCAL)
    assert response.status == 200
    assert response.body.startswith(b"hello 127.0.0.1:")


def test_loopback_is_refused_by_default_and_nothing_is_sent(server: str) -> None:
    https = server.replace("http://", "https://")
    with pytest.raises(OutboundRefused, match="non-public address"):
        fetch(f"{https}/hello", OutboundPolicy())
    with pytest.raises(OutboundRefused, match="plain http"):
        fetch(f"{server}/hello", OutboundPolicy())
    assert Handler.hits == []


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "https://[fe80::1]/",
        "https://[::1]/",
        "https://0.0.0.0/",
        "https://2130706433/",  # 127.0.0.1 written as one number
        "https://[::ffff:127.0.0.1]/",  # IPv4 mapped into IPv6
        "https://10.0.0.1/",
        "https://172.16.0.1/",
        "https://192.168.1.1/",
        "https://100.64.0.1/",  # shared address space
        "https://224.0.0.1/",
        "https://localhost/",
    ],
)
def test_non_public_addresses_are_refused_before_connecting(url: str) -> None:
    with pytest.raises(OutboundRefused, match="non-public address"):
        fetch(url, OutboundPolicy(connect_timeout=0.1))


@pytest.mark.parametrize("url", ["https://169.254.169.254/", "https://[fe80::1]/"])
def test_metadata_and_link_local_stay_refused_even_when_private_is_allowed(url: str) -> None:
    with pytest.raises(OutboundRefused, match="non-public address"):
        fetch(url, LOCAL)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "gopher://example.com/", "ftp://example.com/", "https:///x"]
)
def test_only_http_urls_with_a_host_are_fetched(url: str) -> None:
    with pytest.raises(OutboundRefused, match="only http"):
        fetch(url, LOCAL)


def test_each_redirect_is_checked_again(server: str) -> None:
    with pytest.raises(OutboundRefused, match="non-public address"):
        fetch(f"{server}/to-metadata", LOCAL)
    assert fetch(f"{server}/to-hello", LOCAL).body.startswith(b"hello")


def test_redirect_loops_end(server: str) -> None:
    with pytest.raises(OutboundRefused, match="redirects"):
        fetch(f"{server}/loop", LOCAL)
    assert len(Handler.hits) == LOCAL.max_redirects + 1


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
def test_answers_over_the_size_cap_are_refused(server: str, path: str) -> None:
    with pytest.raises(OutboundRefused, match="over"):
        fetch(f"{server}{path}", OutboundPolicy(allow_private=True, max_bytes=MEGABYTE))


def test_a_server_that_hangs_times_out(server: str) -> None:
    with pytest.raises(OutboundRefused, match="Timeout|ReadTimeout"):
        fetch(f"{server}/hang", LOCAL)


def test_a_trickling_answer_ends_at_the_total_timeout(server: str) -> None:
    with pytest.raises(OutboundRefused, match="took over"):
        fetch(f"{server}/trickle", LOCAL)


def test_the_policy_comes_from_the_config() -> None:
    policy = OutboundPolicy.from_config(
        {
            "OUTBOUND_ALLOW_PRIVATE_ADDRESSES": True,
            "OUTBOUND_MAX_BYTES": 10,
            "OUTBOUND_READ_TIMEOUT": 2,
        }
    )
    assert (policy.allow_private, policy.max_bytes, policy.read_timeout) == (True, 10, 2.0)
    assert OutboundPolicy.from_config({}).allow_private is False
