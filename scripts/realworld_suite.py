#!/usr/bin/env python3
"""Run the official RealWorld ("Conduit") API suite against a freshly started Folio.

    python scripts/realworld_suite.py                      # a temporary SQLite file
    python scripts/realworld_suite.py --database-url postgresql://postgres@127.0.0.1/fresh

Steps: migrate an empty database (``flask --app folio db upgrade``), start Folio on a free
port, wait for ``/api/health``, run every ``*.hurl`` file of the suite twice against the same
database (a new ``uid`` the second time, as a deployed server would see), stop the server.
Exits non-zero if the server does not come up or any file fails in either run.

The database must be empty (or already migrated by Folio): the script never drops anything.
Only the standard library is used here; Folio runs in the interpreter that has it installed
(this one, or the repository's ``.venv``).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFAULT_SUITE = SHARED / "realworld" / "hurl"
DEFAULT_RUNNER = SHARED / "tools" / "hurlish.py"
SUMMARY_RE = re.compile(r"(\d+) passed, (\d+) failed")

# The suite registers about twenty users and writes a dozen articles and a handful of
# comments per run, seconds apart: the production limits (5 sign-ups, 20 article saves a
# minute per client) would answer 429. The limiter stays
# on, with room for the suite, so the decorated views run as they do in production.
SUITE_LIMITS = {
    "FLASK_RATELIMIT_REGISTER": "1000 per minute",
    "FLASK_RATELIMIT_SIGNIN": "1000 per minute",
    "FLASK_RATELIMIT_COMMENT": "1000 per minute",
    "FLASK_RATELIMIT_WRITE": "1000 per minute",
    "FLASK_RATELIMIT_WRITE_ACCOUNT": "1000 per minute",
    "FLASK_RATELIMIT_REGISTER_TAKEN": "1000 per minute",
}


def folio_python() -> str:
    """An interpreter that can import folio: this one, else the repository's venv."""
    if find_spec("folio") is not None and find_spec("flask") is not None:
        return sys.executable
    for candidate in (ROOT / ".venv" / "bin" / "python", ROOT / ".venv" / "Scripts" / "python.exe"):
        if candidate.exists():
            return str(candidate)
    sys.exit("realworld_suite: folio is not importable; run `pip install -e .` first")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, profile: str) -> dict[str, str]:
    env = dict(os.environ)
    # Settings from the caller's shell must not leak into the run (a REDIS_URL would send
    # the rate-limit counters of every run to one shared store, for instance).
    for key in list(env):
        if key.startswith("FLASK_") or key in (
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "TRUSTED_HOSTS",
            "SECRET_KEY_FALLBACKS",
            "JWT_SECRET_KEY",
            "JWT_SECRET_KEY_FALLBACKS",
        ):
            del env[key]
    env.update(SUITE_LIMITS)
    env["FOLIO_ENV"] = profile
    env["DATABASE_URL"] = database_url
    env["SECRET_KEY"] = secrets.token_urlsafe(48)
    # Production refuses to start without them; the suite calls http://127.0.0.1:<port>.
    env["PUBLIC_URL"] = "http://127.0.0.1"
    env["TRUSTED_HOSTS"] = "127.0.0.1,localhost"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def migrate(python: str, env: dict[str, str]) -> None:
    print("realworld_suite: flask --app folio db upgrade", flush=True)
    result = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [python, "-m", "flask", "--app", "folio", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        print(result.stdout, result.stderr, sep="\n", file=sys.stderr)
        sys.exit("realworld_suite: the migrations failed")


def start_server(python: str, env: dict[str, str], port: int, server: str, log_path: Path):
    if server == "gunicorn":
        command = [
            python,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "folio:create_app()",
        ]
    else:
        command = [
            python,
            "-m",
            "flask",
            "--app",
            "folio",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-reload",
            "--no-debugger",
        ]
    log = log_path.open("w")
    print(f"realworld_suite: starting {server} on port {port}", flush=True)
    return subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_healthy(process: subprocess.Popen, base: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=2) as response:  # noqa: S310 - http://127.0.0.1 only
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    return False


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    # The server runs in a session of its own: signal its group (gunicorn's workers too).
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def run_suite(
    runner: Path, files: list[Path], base: str, uid: str, label: str
) -> tuple[int, int, bool]:
    print(f"\n=== {label} (uid={uid}) ===", flush=True)
    result = subprocess.run(  # noqa: S603 - our interpreter, the shared runner, fixed arguments
        [
            sys.executable,
            str(runner),
            "--variable",
            f"host={base}",
            "--variable",
            f"uid={uid}",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    print(result.stdout, end="")
    if result.stderr:
        print(result.stderr, end="", file=sys.stderr)
    found = SUMMARY_RE.findall(result.stdout)
    if not found:
        return 0, len(files), False
    passed, failed = (int(n) for n in found[-1])
    ok = result.returncode == 0 and failed == 0 and passed == len(files)
    return passed, failed, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="an empty database (default: $DATABASE_URL, else a temporary SQLite file)",
    )
    parser.add_argument("--suite", type=Path, default=DEFAULT_SUITE, help="folder of *.hurl")
    parser.add_argument("--runner", type=Path, default=DEFAULT_RUNNER, help="hurlish.py")
    parser.add_argument("--runs", type=int, default=2, help="runs against the same database")
    parser.add_argument(
        "--server",
        choices=("flask", "gunicorn"),
        default="flask",
        help="flask: `flask run` (development profile); gunicorn: 2 workers (production)",
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--startup-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)

    files = sorted(args.suite.glob("*.hurl"))
    if not files:
        sys.exit(f"realworld_suite: no .hurl files in {args.suite}")
    if not args.runner.exists():
        sys.exit(f"realworld_suite: runner not found: {args.runner}")

    python = folio_python()
    workdir = Path(tempfile.mkdtemp(prefix="folio-realworld-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'folio.db'}"
    profile = "production" if args.server == "gunicorn" else "development"
    env = server_env(database_url, profile)
    shown_url = re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", database_url)
    print(f"realworld_suite: database {shown_url}, {len(files)} files, {args.runs} runs")

    process = None
    log_path = workdir / "server.log"
    results: list[tuple[int, int, bool]] = []
    try:
        migrate(python, env)
        port = args.port or free_port()
        base = f"http://127.0.0.1:{port}"
        process = start_server(python, env, port, args.server, log_path)
        if not wait_healthy(process, base, args.startup_timeout):
            print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
            print("realworld_suite: the server did not become healthy", file=sys.stderr)
            return 2
        for number in range(1, args.runs + 1):
            uid = f"{time.time_ns()}{number}"[-19:]
            results.append(run_suite(args.runner, files, base, uid, f"run {number}"))
    finally:
        if process is not None:
            stop_server(process)
        failed_any = not results or not all(ok for _, _, ok in results)
        if failed_any and log_path.exists():
            print("\n--- server log (last lines) ---", file=sys.stderr)
            print(log_path.read_text(errors="replace")[-6000:], file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)

    print("\n=== summary ===")
    for number, (passed, failed, ok) in enumerate(results, 1):
        print(f"run {number}: {passed} passed, {failed} failed{'' if ok else '  <- FAILED'}")
    return 0 if results and all(ok for _, _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
