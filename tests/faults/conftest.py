"""A production Folio this suite may break: gunicorn on a PostgreSQL cluster and a
redis-server of its own.

The machine's PostgreSQL and Redis serve other people, so nothing here touches them:
the suite runs the machine's *binaries* (``initdb``/``pg_ctl`` from
``FOLIO_FAULTS_PG_BIN``, else ``pg_config --bindir`` or the newest
``/usr/lib/postgresql/*/bin``; ``redis-server`` from the ``PATH``) on a temporary
directory and ports of its own, and stops all of it in the fixture's finaliser, also
when a test fails. As root, PostgreSQL runs as the ``postgres`` user (``initdb`` refuses
root). Without the binaries the suite is skipped, with the reason, unless
``FOLIO_REQUIRE_FAULTS=1`` (CI), which makes that a failure.

Ports are free ones the system picks, or ``FOLIO_FAULTS_PORT_BASE`` and the two above it
(PostgreSQL, Redis, gunicorn) on a machine where ports are handed out by hand.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.stack.conftest import (
    Browser,
    free_port,
    gunicorn_command,
    migrate,
    spawn,
    stop,
)

# Every wait in this suite is bounded; this is the longest a component may take to start.
START_TIMEOUT = 30.0
PG_USER = "postgres"


def _unavailable(reason: str) -> None:
    if os.environ.get("FOLIO_REQUIRE_FAULTS") == "1":
        pytest.fail(f"FOLIO_REQUIRE_FAULTS=1 but {reason}", pytrace=False)
    pytest.skip(reason=f"fault suite not available: {reason}")


def _pg_bindir() -> Path | None:
    if os.environ.get("FOLIO_FAULTS_PG_BIN"):
        return Path(os.environ["FOLIO_FAULTS_PG_BIN"])
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        found = subprocess.run(  # noqa: S603 - a fixed query to the machine's tool
            ["pg_config", "--bindir"],  # noqa: S607 - found on the PATH above
            capture_output=True,
            text=True,
            check=False,
        )
        candidates.append(Path(found.stdout.strip()))
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    return next((c for c in candidates if (c / "initdb").exists()), None)


def find_binaries() -> tuple[Path, str]:
    """PostgreSQL's bin directory and redis-server; skips (or fails in CI) without them."""
    bindir = _pg_bindir()
    if bindir is None or not (bindir / "initdb").exists() or not (bindir / "pg_ctl").exists():
        _unavailable("no PostgreSQL server binaries (initdb, pg_ctl); set FOLIO_FAULTS_PG_BIN")
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        _unavailable("no redis-server on the PATH")
    if os.geteuid() == 0 and (shutil.which("runuser") is None or not _user_exists(PG_USER)):
        _unavailable(f"running as root, and PostgreSQL needs runuser and a {PG_USER!r} user")
    assert bindir is not None
    assert redis_server is not None
    return bindir, redis_server


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def ports() -> tuple[int, int, int]:
    base = os.environ.get("FOLIO_FAULTS_PORT_BASE")
    if base:
        return int(base), int(base) + 1, int(base) + 2
    return free_port(), free_port(), free_port()


def wait_until(
    what: str, check: Callable[[], object], timeout: float, interval: float = 0.2
) -> None:
    """Poll ``check()`` until it is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


# --- PostgreSQL ----------------------------------------------------------------------------


@dataclass
class Postgres:
    """A throwaway cluster in ``root`` on ``port``; as root it runs as ``postgres``."""

    bindir: Path
    root: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def _run(self, *args: str, timeout: float = START_TIMEOUT) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", PG_USER, "--", *command]
        done = subprocess.run(  # noqa: S603 - the machine's PostgreSQL tools
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
        assert done.returncode == 0, f"{' '.join(args[:2])}: {done.stdout}{done.stderr}"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, user=PG_USER)
        self._run(
            "initdb", "-D", str(self.root / "data"), "-U", "postgres", "-A", "trust",
            "--no-sync", "-E", "UTF8", "--locale=C",
        )  # fmt: skip

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", action, "-D", str(self.root / "data"), "-l", str(self.log), "-w",
            "-t", str(int(START_TIMEOUT)), "-o", options, *extra,
        )  # fmt: skip

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        """Stop (ending every connection at once, as a failover or an upgrade does) and
        start again; returns once it accepts connections."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.root / "data" / "postmaster.pid").exists():
            self._ctl("stop", "-m", "immediate")

    def query(self, database: str, sql: str, *params: object) -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(f"{self.url}/{database}", connect_timeout=5) as conn:
            return list(conn.execute(sql, params).fetchall())  # type: ignore[arg-type]


# --- Redis ---------------------------------------------------------------------------------


@dataclass
class Redis:
    binary: str
    root: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.root),
        ]  # fmt: skip
        self.process = spawn(command, dict(os.environ), self.root / "redis.log")
        wait_until("redis-server answers", self._answers, START_TIMEOUT, 0.05)

    def _answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


# --- Folio under gunicorn ------------------------------------------------------------------


@dataclass
class Folio:
    port: int
    env: dict[str, str]
    log: Path
    master: subprocess.Popen[bytes] | None = None
    # Every master started, so teardown stops each one's group (orphans included).
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.master = spawn(gunicorn_command(self.port), self.env, self.log)
        self.started.append(self.master)
        wait_until(
            f"gunicorn on {self.port} healthy with its workers (log: {self.log})",
            lambda: self.healthy() and len(self.workers()) == int(self.env["WEB_CONCURRENCY"]),
            START_TIMEOUT,
        )

    def healthy(self) -> bool:
        try:
            return Browser().get(self.base, "/api/health").status == 200
        except OSError:
            return False

    def workers(self) -> list[int]:
        assert self.master is not None
        return children(self.master.pid)

    def kill_master(self) -> list[int]:
        """SIGKILL the master alone, as a crash would; its orphaned workers' pids."""
        assert self.master is not None
        orphans = self.workers()
        os.kill(self.master.pid, signal.SIGKILL)
        self.master.wait(timeout=10)
        return orphans

    def stop(self) -> None:
        for master in self.started:
            stop(master)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def children(pid: int) -> list[int]:
    """The live (not zombie) processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parentheses.
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# --- the whole of it -----------------------------------------------------------------------


@dataclass
class Faulty:
    postgres: Postgres
    redis: Redis
    folio: Folio
    database: str


def _folio_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "FOLIO_"))},
        "FOLIO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TRUSTED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_URL": "http://localhost",
        # The writers are the load, not an attack: the write limits must not answer them.
        "FLASK_RATELIMIT_WRITE": "100000 per minute",
        "FLASK_RATELIMIT_WRITE_ACCOUNT": "100000 per minute",
        "FLASK_MAIL_TO_LOG": "false",
        "WEB_CONCURRENCY": "2",
        "PYTHONUNBUFFERED": "1",
        # A worker stuck on a dead dependency is replaced after 10 s, not 30.
        "GUNICORN_TIMEOUT": "10",
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
    }


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faulty]:
    bindir, redis_server = find_binaries()
    # Logs stay in pytest's temporary directory for a look after a failure; the cluster
    # lives in a directory of its own that the postgres user can reach.
    logs = tmp_path_factory.mktemp("faults")
    pg_root = Path(tempfile.mkdtemp(prefix="folio-faults-pg-"))
    pg_port, redis_port, web_port = ports()
    postgres = Postgres(bindir, pg_root, pg_port)
    redis = Redis(redis_server, logs, redis_port)
    database = "folio_faults"
    folio = Folio(web_port, {}, logs / "gunicorn.log")
    try:
        postgres.init()
        postgres.start()
        import psycopg

        with psycopg.connect(f"{postgres.url}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        redis.start()
        folio.env = _folio_env(f"{postgres.url}/{database}", redis.url)
        migrate(folio.env)
        folio.start()
        yield Faulty(postgres, redis, folio, database)
    finally:
        folio.stop()
        redis.stop()
        postgres.stop()
        if postgres.log.exists():
            shutil.copy(postgres.log, logs / "postgres.log")
        shutil.rmtree(pg_root, ignore_errors=True)
