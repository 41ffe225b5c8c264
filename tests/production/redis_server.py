"""A real ``redis-server`` of the test's own, which a test may stop, restart and flush.

It keeps nothing on disk (``--save '' --appendonly no``), as Folio's Redis may not: a
restart empties it. The port comes from ``FOLIO_TEST_REDIS_PORTS`` ("7200-7299": the
first free one) or else from the system. Without the binary the tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    wanted = os.environ.get("FOLIO_TEST_REDIS_PORTS", "")
    if "-" in wanted:
        low, high = (int(part) for part in wanted.split("-", 1))
        for port in range(low, high + 1):
            if _port_is_free(port):
                return port
        raise RuntimeError(f"FOLIO_TEST_REDIS_PORTS: no free port in {wanted}")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(  # noqa: S603 - a fixed local binary
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        # CI installs it (.ci/run): there the outage tests must run, never skip.
        if os.environ.get("FOLIO_REQUIRE_STACK") == "1":
            pytest.fail("FOLIO_REQUIRE_STACK=1 but redis-server is not installed")
        pytest.skip(reason="redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(binary)
    server.start()
    try:
        yield server
    finally:
        server.stop()
