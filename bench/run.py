"""Load Folio under gunicorn, endpoint by endpoint, next to the framework's own limit.

    python bench/generate.py --db sqlite        # once: the large site (about a minute)
    python bench/run.py --db sqlite             # about ten minutes
    python bench/run.py --db postgresql

For each server profile (a bare WSGI callable, a minimal Flask view, then Folio with its
response cache and Folio with the cache off) the runner starts gunicorn with the same
settings (2 sync workers, 127.0.0.1), warms each endpoint up, then loads it with wrk
(32 connections, a fixed time) from a second process and records: requests per second,
p50/p99 latency, server CPU per request (psutil, gunicorn master + workers, before and
after), peak RSS per worker (sampled during the run), and SQL queries per request
(counted in-process through the test client with an engine event). Folio figures are
reported as ratios to the minimal Flask view. A final run checks memory per worker over
100,000 requests. Results: ``bench/results/<db>.json`` and ``bench/results/<db>.md``;
the table is also written into ``bench/README.md`` between its markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
DATA = HERE / "data"
WRK = HERE / "wrk"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SECRET = secrets.token_urlsafe(48)
PAGE_SIZE = 20
DEEP_PAGE = 2000
# Named rate limits are raised, not disabled: the limiter still runs on every request,
# but one load generator on 127.0.0.1 would otherwise be stopped after ten comments.
RAISED_LIMITS = {
    f"{key}{suffix}": "1000000 per minute"
    for key in ("SIGNIN", "REGISTER", "RESET", "TOKENS", "COMMENT", "WRITE", "PREVIEW")
    for suffix in ("", "_ACCOUNT")
}
RAISED_LIMITS["STATS_BEACON"] = "1000000 per minute"


@dataclass
class Endpoint:
    name: str
    path: str
    group: str  # anon | signed | write | deep
    auth: str | None = None  # reader | writer
    scheme: str = "Token"
    script: str = "get.lua"
    # Path template with {limit} to check that the query count does not grow with the page.
    sized: str | None = None
    pair: str | None = None  # the page-1 endpoint a deep page is compared with
    headers: dict[str, str] = field(default_factory=dict)


# --- the machine and versions -----------------------------------------------------------


def machine() -> dict[str, Any]:
    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def versions(db_kind: str, url: str) -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("flask", "werkzeug", "sqlalchemy", "gunicorn", "psycopg", "flask-caching"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "-"
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    found["wrk"] = (wrk.stdout or wrk.stderr).split("[")[0].strip()
    from sqlalchemy import create_engine, text

    from folio.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        if db_kind == "sqlite":
            found["database"] = "SQLite " + connection.scalar(text("select sqlite_version()"))
        else:
            found["database"] = connection.scalar(text("select version()")).split(" on ")[0]
    engine.dispose()
    return found


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def folio_env(meta: dict[str, Any], cached: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "FOLIO_ENV": "production",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": meta["database_url"],
        # One trusted proxy hop: the load generator plays the TLS proxy (X-Forwarded-Proto).
        "FLASK_PROXY_FIX_HOPS": "1",
        # Production refuses to start without them; the load generator calls 127.0.0.1.
        "PUBLIC_URL": "http://127.0.0.1",
        "TRUSTED_HOSTS": "127.0.0.1,localhost",
    }
    for key, value in RAISED_LIMITS.items():
        env[f"FLASK_RATELIMIT_{key}"] = value
    if meta.get("redis_url"):
        env["REDIS_URL"] = meta["redis_url"]
    # The public read cache (folio/caching.py) on or off; list totals stay as configured.
    env["FLASK_PUBLIC_CACHE"] = "true" if cached else "false"
    return env


@contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int, chdir: Path, log: Path):
    """A gunicorn master with sync workers on a free port; stopped on exit."""
    port = free_port()
    # The production settings file for every server, baselines included, worker recycling
    # as shipped, with the bench's overrides: a fixed worker count and a private port.
    command = [
        GUNICORN,
        app,
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--backlog",
        "2048",
        "--timeout",
        "120",
        "--chdir",
        str(chdir),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn {app} exited; see {log}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=5)  # noqa: S310
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn {app} did not start; see {log}") from None
                time.sleep(0.3)
        master = psutil.Process(process.pid)
        while len(master.children()) < workers:
            time.sleep(0.1)
        yield port, master
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def server_cpu(master: psutil.Process) -> float:
    total = 0.0
    for proc in [master, *master.children()]:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


class RssSampler(threading.Thread):
    """Peak resident memory of each worker, sampled every 200 ms."""

    def __init__(self, master: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.peak: dict[int, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(0.2)

    def sample(self) -> None:
        for proc in self.master.children():
            try:
                rss = proc.memory_info().rss
            except psutil.NoSuchProcess:
                continue
            self.peak[proc.pid] = max(self.peak.get(proc.pid, 0), rss)

    def __enter__(self) -> RssSampler:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.join()
        self.sample()


def current_rss(master: psutil.Process) -> list[float]:
    return [round(p.memory_info().rss / 2**20, 1) for p in master.children()]


# --- load ---------------------------------------------------------------------------------


def wrk(
    port: int,
    path: str,
    seconds: float,
    connections: int,
    script: str = "get.lua",
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK / script),
        f"http://127.0.0.1:{port}{path}",
    ]
    done = subprocess.run(
        command, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=True
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return dict(json.loads(line.removeprefix("BENCH_JSON ")))
    raise RuntimeError(f"wrk gave no summary: {done.stdout}\n{done.stderr}")


def measure(
    port: int,
    master: psutil.Process,
    path: str,
    *,
    seconds: float,
    warmup: float,
    connections: int,
    script: str = "get.lua",
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    if warmup:
        wrk(port, path, warmup, connections, script, env)
    cpu_before = server_cpu(master)
    with RssSampler(master) as rss:
        summary = wrk(port, path, seconds, connections, script, env)
    cpu = server_cpu(master) - cpu_before
    requests = max(1, summary["requests"])
    seconds_run = summary["duration_us"] / 1e6
    latency = summary["latency_us"]
    errors = sum(summary["errors"].values())
    return {
        "requests": summary["requests"],
        "rps": round(summary["requests"] / seconds_run, 1),
        "p50_ms": round(latency["p50"] / 1000, 2),
        "p90_ms": round(latency["p90"] / 1000, 2),
        "p99_ms": round(latency["p99"] / 1000, 2),
        "max_ms": round(latency["max"] / 1000, 2),
        "errors": errors,
        "error_detail": summary["errors"],
        "cpu_ms_per_request": round(cpu * 1000 / requests, 3),
        "peak_rss_mb": round(max(rss.peak.values(), default=0) / 2**20, 1),
        "bytes_per_response": round(summary["bytes"] / requests),
    }


# --- Folio in-process: tokens, cursors, query counts ----------------------------------------


class InProcess:
    """A production-profile app in this process: tokens, cursors and SQL counts."""

    def __init__(self, meta: dict[str, Any], cached: bool) -> None:
        from sqlalchemy import event

        from folio import create_app
        from folio.extensions import db

        env = folio_env(meta, cached)
        overrides: dict[str, Any] = {
            "SQLALCHEMY_DATABASE_URI": meta["database_url"],
            "PROXY_FIX_HOPS": 1,
            "PUBLIC_CACHE": cached,
        }
        for key, value in RAISED_LIMITS.items():
            overrides[f"RATELIMIT_{key}"] = value
        saved = dict(os.environ)
        os.environ.update(
            {
                k: v
                for k, v in env.items()
                if k in ("SECRET_KEY", "FOLIO_ENV", "REDIS_URL", "PUBLIC_URL", "TRUSTED_HOSTS")
            }
        )
        try:
            self.app = create_app("production", overrides)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.queries = 0
        with self.app.app_context():
            engine = db.engine

        def _count(*_args: object) -> None:
            self.queries += 1

        event.listen(engine, "before_cursor_execute", _count)
        self.client = self.app.test_client()

    def token(self, username: str) -> str:
        from sqlalchemy import select

        from folio.auth.tokens import issue_access_token
        from folio.extensions import db
        from folio.models import User

        with self.app.app_context():
            user = db.session.scalar(select(User).where(User.username_key == username))
            assert user is not None, username
            return issue_access_token(user, expires=timedelta(hours=6))

    def session_cookie(self, username: str) -> str:
        """A signed-in browser's ``Cookie`` header: the sign-in form, CSRF token and all."""
        client = self.app.test_client()
        https = {"X-Forwarded-Proto": "https"}
        form = client.get("/auth/login", headers=https).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
        assert token is not None, "no CSRF token on /auth/login"
        client.post(
            "/auth/login",
            headers=https,
            data={
                "csrf_token": token.group(1),
                "email": f"{username}@example.com",
                "password": "folio-demo-password",  # the seeded accounts' shared password
            },
        )
        cookie = client.get_cookie(self.app.config["SESSION_COOKIE_NAME"])
        assert cookie is not None, f"{username} could not sign in"
        return f"{cookie.key}={cookie.value}"

    def request(
        self,
        path: str,
        auth: str | None = None,
        method: str = "GET",
        body: Any = None,
        extra_headers: dict[str, str] | None = None,
    ) -> tuple[int, int, Any]:
        headers = {"X-Forwarded-Proto": "https", **(extra_headers or {})}
        if auth and auth.startswith("Cookie "):
            headers["Cookie"] = auth.removeprefix("Cookie ")
        elif auth:
            headers["Authorization"] = auth
        before = self.queries
        response = self.client.open(path, method=method, headers=headers, json=body)
        count = self.queries - before
        data = response.get_json(silent=True) if response.is_json else None
        return response.status_code, count, data


def deep_cursor(app: InProcess, page: int) -> str | None:
    """Follow /api/v1/articles's next links to the given page; None when there is none."""
    path = f"/api/v1/articles?page_size={PAGE_SIZE}"
    for _ in range(page - 1):
        status, _count, data = app.request(path)
        if status != 200 or not isinstance(data, dict):
            return None
        nxt = _next_link(data)
        if not nxt:
            return None
        path = nxt
    return path


def _next_link(data: dict[str, Any]) -> str | None:
    for key in ("next", "next_url"):
        if isinstance(data.get(key), str):
            return str(data[key])
    for key in ("links", "pagination", "meta", "page"):
        inner = data.get(key)
        if isinstance(inner, dict):
            for name in ("next", "next_url"):
                if isinstance(inner.get(name), str):
                    return str(inner[name])
            cursor = inner.get("next_cursor") or inner.get("cursor")
            if isinstance(cursor, str):
                return f"/api/v1/articles?page_size={PAGE_SIZE}&cursor={cursor}"
    cursor = data.get("next_cursor") or data.get("cursor")
    if isinstance(cursor, str):
        return f"/api/v1/articles?page_size={PAGE_SIZE}&cursor={cursor}"
    return None


def _relative(url: str) -> str:
    match = re.match(r"^[a-z]+://[^/]+(/.*)$", url)
    return match.group(1) if match else url


def endpoints(meta: dict[str, Any], deep_v1: str | None) -> list[Endpoint]:
    offset = (DEEP_PAGE - 1) * PAGE_SIZE
    found = [
        # Folio's floor: a request that reads nothing (no database, a few lines of text)
        # through the whole request cycle and its hooks. No target: it shows what every
        # other path starts from.
        Endpoint("robots.txt (Folio's floor)", "/robots.txt", "floor"),
        Endpoint("home", "/", "anon"),
        Endpoint("article page", f"/articles/{meta['article_slug']}", "anon"),
        Endpoint("profile page", f"/@{meta['profile']}", "anon"),
        Endpoint("tag page", f"/tags/{meta['tag']}", "anon"),
        Endpoint("search page", f"/search?q={meta['search']}", "search"),
        # A page in another language: its own cache entries (the key carries the locale).
        Endpoint("home (German)", "/", "anon", headers={"Accept-Language": "de-DE,de;q=0.9"}),
        # Feed readers poll all day, most of them with the ETag they were last given.
        Endpoint("Atom feed", "/atom.xml", "feed"),
        Endpoint("Atom feed (If-None-Match)", "/atom.xml", "conditional"),
        # A signed-in reader's page: the session, the locale from their account, no cache.
        Endpoint("home (signed in)", "/", "signed page", auth="reader", scheme="Cookie"),
        Endpoint(
            "/api/v1/articles",
            f"/api/v1/articles?page_size={PAGE_SIZE}",
            "anon",
            sized="/api/v1/articles?page_size={limit}",
        ),
        Endpoint(
            "/api/articles",
            f"/api/articles?limit={PAGE_SIZE}",
            "anon",
            sized="/api/articles?limit={limit}",
        ),
        Endpoint(
            "/api/articles/:slug",
            f"/api/articles/{meta['article_slug']}",
            "anon",
        ),
        Endpoint(
            "/api/articles (signed in)",
            f"/api/articles?limit={PAGE_SIZE}",
            "signed",
            auth="reader",
            sized="/api/articles?limit={limit}",
        ),
        Endpoint(
            "/api/articles/feed (200 follows)",
            f"/api/articles/feed?limit={PAGE_SIZE}",
            "signed",
            auth="reader",
            sized="/api/articles/feed?limit={limit}",
        ),
        Endpoint(
            "/api/articles page 2000 (offset)",
            f"/api/articles?limit={PAGE_SIZE}&offset={offset}",
            "deep",
            pair="/api/articles",
        ),
    ]
    if deep_v1:
        found.append(
            Endpoint(
                "/api/v1/articles page 2000 (cursor)", deep_v1, "deep", pair="/api/v1/articles"
            )
        )
    found.append(
        Endpoint(
            "write mix (article, comment, favorite)",
            "/api/articles",
            "write",
            auth="writer",
            script="write.lua",
        )
    )
    return found


def load_environment(point: Endpoint, auth: str | None, port: int) -> dict[str, str]:
    """What get.lua sends: the Authorization header, or a session cookie, and the
    endpoint's own headers (for a conditional GET, the ETag the server gave just now)."""
    headers = dict(point.headers)
    if point.group == "conditional":
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{point.path}", headers={"X-Forwarded-Proto": "https"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            etag = response.headers.get("ETag")
        if etag:
            headers["If-None-Match"] = etag
    if auth and auth.startswith("Cookie "):
        headers["Cookie"] = auth.removeprefix("Cookie ")
        auth = None
    return {
        "BENCH_AUTH": auth or "",
        "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in headers.items()),
    }


def answer_status(port: int, point: Endpoint, load_env: dict[str, str]) -> int:
    """The status one request with the load's headers gets (304 for a fresh ETag)."""
    headers = {"X-Forwarded-Proto": "https"}
    for line in load_env["BENCH_HEADERS"].splitlines():
        name, _, value = line.partition(": ")
        headers[name] = value
    request = urllib.request.Request(f"http://127.0.0.1:{port}{point.path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as answer:  # urllib raises for 304 too
        return int(answer.code)


def count_queries(app: InProcess, endpoint: Endpoint, auth: str | None) -> dict[str, Any]:
    """SQL statements per request: first request (cold) and a repeat (warm)."""
    if endpoint.group == "write":
        return {}
    status, cold, _ = app.request(endpoint.path, auth, extra_headers=endpoint.headers)
    _status, warm, _ = app.request(endpoint.path, auth, extra_headers=endpoint.headers)
    result: dict[str, Any] = {"status": status, "queries_cold": cold, "queries_warm": warm}
    if endpoint.sized:
        sizes = {}
        for limit in (1, 20, 100):
            app.request(endpoint.sized.format(limit=limit), auth)  # warm the plan caches
            _s, count, _ = app.request(endpoint.sized.format(limit=limit), auth)
            sizes[str(limit)] = count
        result["queries_by_page_size"] = sizes
    return result


def count_write_queries(app: InProcess, auth: str, slug: str) -> dict[str, Any]:
    article = {
        "article": {
            "title": "Counting queries",
            "description": "How many statements a write takes",
            "body": "Some *Markdown*.",
            "tagList": ["bench"],
        }
    }
    results = {}
    status, count, _ = app.request("/api/articles", auth, "POST", article)
    results["create article"] = {"status": status, "queries": count}
    status, count, _ = app.request(
        f"/api/articles/{slug}/comments", auth, "POST", {"comment": {"body": "Counted."}}
    )
    results["comment"] = {"status": status, "queries": count}
    status, count, _ = app.request(f"/api/articles/{slug}/favorite", auth, "POST")
    results["favorite"] = {"status": status, "queries": count}
    return results


# --- stats: the view beacon, and the cached reads with and without it ----------------------

# The cached reads compared with article statistics off (the page as it was before them:
# no beacon script) and on, alternating off/on/on/off so the machine's drift falls on both.
STATS_READS = ("home", "article page", "/api/articles/:slug")


def stats_run(
    args: argparse.Namespace, meta: dict[str, Any], slugs_file: Path, log_for: Any
) -> dict[str, Any]:
    """Side by side in one run: cached reads with stats off and on (their ratio), then
    the beacon's own cost per view, counting in Redis and in the database."""
    reads = {p.name: p.path for p in endpoints(meta, None) if p.name in STATS_READS}
    measure_args = {"seconds": args.seconds, "warmup": args.warmup}
    rounds: dict[str, dict[str, list[dict[str, Any]]]] = {"off": {}, "on": {}}
    for turn, state in enumerate(["off", "on", "on", "off"] * max(1, args.stats_rounds // 2)):
        env = {**folio_env(meta, cached=True), "FLASK_STATS_ENABLED": str(state == "on").lower()}
        with gunicorn("folio:create_app()", env, args.workers, ROOT, log_for(f"stats-{state}")) as (
            port,
            master,
        ):
            for name, path in reads.items():
                result = measure(port, master, path, connections=args.connections, **measure_args)
                rounds[state].setdefault(name, []).append(result)
                print(
                    f"stats {state:3} (turn {turn + 1}) {name:28} {result['rps']:8.0f} req/s "
                    f"p99 {result['p99_ms']:7.2f} ms",
                    flush=True,
                )
    side_by_side = {}
    for name in reads:
        off, on = rounds["off"][name], rounds["on"][name]
        # Medians: one turn disturbed by another process on the machine moves them least.
        off_rps = statistics.median(r["rps"] for r in off)
        on_rps = statistics.median(r["rps"] for r in on)
        side_by_side[name] = {
            "off_rps": round(off_rps, 1),
            "on_rps": round(on_rps, 1),
            "ratio": round(on_rps / off_rps, 3),
            "off_cpu_ms": round(statistics.median(r["cpu_ms_per_request"] for r in off), 3),
            "on_cpu_ms": round(statistics.median(r["cpu_ms_per_request"] for r in on), 3),
            "errors": sum(r["errors"] for r in off + on),
            "rounds": {"off": [r["rps"] for r in off], "on": [r["rps"] for r in on]},
        }
    return {
        "reads": side_by_side,
        "beacon": {
            counter: beacon_cost(args, meta, slugs_file, log_for, counter)
            for counter in ("redis", "database")
        },
    }


def beacon_cost(
    args: argparse.Namespace,
    meta: dict[str, Any],
    slugs_file: Path,
    log_for: Any,
    counter: str,
) -> dict[str, Any]:
    """The beacon under load: requests/s, latency, CPU per counted view, and whether
    every 204 was counted (Redis: the day's views in Redis; database: the table)."""
    env = {**folio_env(meta, cached=True), "FLASK_STATS_ENABLED": "true"}
    if counter == "database":
        env.pop("REDIS_URL", None)  # no Redis at all: counted straight into the tables
    before = counted_views(meta, counter)
    with gunicorn("folio:create_app()", env, args.workers, ROOT, log_for(f"beacon-{counter}")) as (
        port,
        master,
    ):
        load_env = {"BENCH_SLUGS_FILE": str(slugs_file)}
        # Warm-up without counting it apart: all its views are counted too.
        wrk(port, "/", args.warmup, args.connections, "beacon.lua", load_env)
        result = measure(
            port,
            master,
            "/",
            seconds=args.seconds,
            warmup=0,
            connections=args.connections,
            script="beacon.lua",
            env=load_env,
        )
    result["views_counted"] = counted_views(meta, counter) - before
    print(
        f"beacon ({counter:8}) {result['rps']:8.0f} views/s p50 {result['p50_ms']} "
        f"p99 {result['p99_ms']} ms, {result['cpu_ms_per_request']} ms CPU per view",
        flush=True,
    )
    return result


def counted_views(meta: dict[str, Any], counter: str) -> int:
    """Views counted today so far, in Redis or in the table."""
    today = datetime.now(UTC).date().isoformat()
    if counter == "redis":
        import redis

        client = redis.Redis.from_url(meta["redis_url"])
        total = sum(int(v) for v in client.hvals(f"folio:stats:{today}:views"))
        client.close()
        return total
    from sqlalchemy import create_engine, text

    from folio.config import normalise_database_url

    engine = create_engine(normalise_database_url(meta["database_url"]))
    with engine.connect() as connection:
        total = connection.scalar(
            text("SELECT coalesce(sum(views), 0) FROM stats_article_days WHERE day = :d"),
            {"d": today},
        )
    engine.dispose()
    return int(total or 0)


def stats_markdown(stats: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "Stats (issue 19): cached reads with article statistics off and on, alternating "
        "off/on/on/off in this run, and the view beacon's own cost.",
        "",
        "| Cached read | off req/s | on req/s | on/off | CPU ms/req off → on | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in stats["reads"].items():
        lines.append(
            f"| {name} | {row['off_rps']:.0f} | {row['on_rps']:.0f} | {row['ratio']:.2f} "
            f"| {row['off_cpu_ms']} → {row['on_cpu_ms']} | {row['errors']} |"
        )
    lines += [
        "",
        "| Beacon (counted in) | views/s | p50 ms | p99 ms | CPU ms/view | counted / answered "
        "| errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for counter, row in stats["beacon"].items():
        lines.append(
            f"| {counter} | {row['rps']:.0f} | {row['p50_ms']} | {row['p99_ms']} "
            f"| {row['cpu_ms_per_request']} | {row['views_counted']:,} / {row['requests']:,} "
            f"(with warm-up) | {row['errors']} |"
        )
    page = stats["reads"].get("article page")
    beacon = stats["beacon"].get("redis")
    if page and beacon:
        per_view = page["on_cpu_ms"] + beacon["cpu_ms_per_request"]
        lines += [
            "",
            f"A counted view of a cached article costs {page['on_cpu_ms']} ms of server CPU "
            f"for the page and {beacon['cpu_ms_per_request']} ms for its beacon "
            f"(Redis): {per_view:.3f} ms in all.",
        ]
    return lines


def stats_targets(stats: dict[str, Any]) -> list[dict[str, Any]]:
    checks = []
    for name, row in stats["reads"].items():
        checks.append(
            {
                "target": f"cached read within 10% with stats on: {name}",
                "met": row["ratio"] >= 0.9 and row["errors"] == 0,
                "measured": f"{row['ratio']:.2f}× ({row['off_rps']:.0f} → {row['on_rps']:.0f})",
            }
        )
    for counter, row in stats["beacon"].items():
        checks.append(
            {
                "target": f"every beacon answered 204 is counted ({counter})",
                "met": row["errors"] == 0 and row["views_counted"] >= row["requests"],
                "measured": f"{row['views_counted']} counted, {row['requests']} measured "
                f"(+ warm-up), {row['errors']} errors",
            }
        )
    return checks


# --- the run ------------------------------------------------------------------------------


def published_slugs(meta: dict[str, Any], count: int = 5000) -> list[str]:
    from sqlalchemy import create_engine, text

    from folio.config import normalise_database_url

    engine = create_engine(normalise_database_url(meta["database_url"]))
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT slug FROM articles WHERE status = 'published' "
                "ORDER BY published_at DESC LIMIT :n"
            ),
            {"n": count},
        )
        slugs = [row[0] for row in rows]
    engine.dispose()
    return slugs


def run(args: argparse.Namespace) -> dict[str, Any]:
    meta_path = DATA / f"{args.db}.json"
    if not meta_path.exists():
        raise SystemExit(f"no {meta_path}: run python bench/generate.py --db {args.db} first")
    meta = json.loads(meta_path.read_text())
    if args.redis_url:
        meta["redis_url"] = args.redis_url
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    RESULTS.mkdir(exist_ok=True)

    # Server output (the access log included) per server; only the last run of each is kept.
    def log_for(name: str) -> Path:
        return DATA / f"{args.db}-{name.replace(' ', '-').lower()}.log"

    started = datetime.now(UTC)
    report: dict[str, Any] = {
        "db": args.db,
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(args.db, meta["database_url"]),
        "data": {"counts": meta["counts"], "generation": meta["timings"]},
        "settings": {
            "workers": args.workers,
            "worker_class": "sync",
            "connections": args.connections,
            "seconds": args.seconds,
            "warmup_seconds": args.warmup,
            "redis": bool(args.redis_url),
        },
        "baseline": {},
        "profiles": {},
    }
    print(f"machine: {report['machine']}\nversions: {report['versions']}", flush=True)
    slugs_file = DATA / f"{args.db}-slugs.txt"
    slugs_file.write_text("\n".join(published_slugs(meta)) + "\n")
    if args.stats == "only":  # nothing in-process: the write mix would change the data
        report["queries"] = {}
        return stats_only(args, meta, report, slugs_file, log_for)

    # In-process: tokens, the deep cursor, SQL counts (cache off: what a miss costs).
    inproc = InProcess(meta, cached=False)
    tokens = {who: inproc.token(meta[who]) for who in ("reader", "writer")}
    deep_v1 = deep_cursor(inproc, DEEP_PAGE) if not args.only else None
    if deep_v1:
        deep_v1 = _relative(deep_v1)
    points = endpoints(meta, deep_v1)
    if args.only:
        points = [p for p in points if any(o in p.name for o in args.only.split(","))]
    cookies = {who: inproc.session_cookie(meta[who]) for who in ("reader",)}

    def credentials(point: Endpoint) -> str | None:
        if not point.auth:
            return None
        secret = cookies[point.auth] if point.scheme == "Cookie" else tokens[point.auth]
        return f"{point.scheme} {secret}"

    counts: dict[str, Any] = {}
    for point in points:
        counts[point.name] = count_queries(inproc, point, credentials(point))
    if any(p.group == "write" for p in points):
        counts["write mix (article, comment, favorite)"] = count_write_queries(
            inproc, f"Token {tokens['writer']}", meta["article_slug"]
        )
    report["queries"] = counts

    measure_args = {
        "seconds": args.seconds,
        "warmup": args.warmup,
        "connections": args.connections,
    }
    if not args.skip_baseline:
        for name, app in (
            ("bare WSGI", "baseline:bare"),
            ("minimal Flask", "baseline:flask_app"),
            # A hand-written page (one sqlite3 query, Jinja, 20 cards): the pages' limit.
            ("minimal Flask page", "baseline:page_app"),
        ):
            base_env = {**os.environ, "PYTHONPATH": str(HERE)}
            with gunicorn(app, base_env, args.workers, HERE, log_for(name)) as (port, master):
                result = measure(port, master, "/", **measure_args)
            report["baseline"][name] = result
            print(f"{name:40} {result['rps']:8.0f} req/s p50 {result['p50_ms']} ms", flush=True)

    for profile in args.profiles.split(","):
        cached = profile == "cached"
        results: dict[str, Any] = {}
        env = folio_env(meta, cached)
        log = log_for(f"folio-{profile}")
        server = gunicorn("folio:create_app()", env, args.workers, ROOT, log)
        with server as (port, master):
            report["profiles"].setdefault(profile, {})["rss_after_start_mb"] = current_rss(master)
            for point in points:
                if counts.get(point.name, {}).get("status", 200) not in (200,):
                    results[point.name] = {"skipped": f"status {counts[point.name]['status']}"}
                    print(f"{profile:9} {point.name:40} skipped", flush=True)
                    continue
                load_env = load_environment(point, credentials(point), port)
                if point.group == "write":
                    load_env["BENCH_SLUGS_FILE"] = str(slugs_file)
                result = measure(
                    port, master, point.path, script=point.script, env=load_env, **measure_args
                )
                if point.group == "conditional":
                    result["answer"] = answer_status(port, point, load_env)
                results[point.name] = result
                print(
                    f"{profile:9} {point.name:40} {result['rps']:8.0f} req/s "
                    f"p50 {result['p50_ms']:7.2f} p99 {result['p99_ms']:7.2f} ms "
                    f"errors {result['errors']}",
                    flush=True,
                )
                if point.group == "search":
                    # The service time without queueing: one connection, as wrk sees it
                    # and as the app's request log times it (wrk's figure also holds the
                    # sync worker closing each connection and wrk reconnecting).
                    since = datetime.now(UTC)
                    single = measure(
                        port, master, point.path, seconds=args.seconds, warmup=0, connections=1
                    )
                    result["one_connection"] = {
                        k: single[k] for k in ("rps", "p50_ms", "p99_ms", "errors")
                    }
                    result["one_connection"].update(
                        server_timings(log, point.path.split("?")[0], since)
                    )
            if profile == args.profiles.split(",")[0] and args.memory_requests:
                report["memory"] = memory_run(port, master, args, tokens)
            report["profiles"][profile]["endpoints"] = results
    if args.stats == "include" and args.redis_url:
        report["stats"] = stats_run(args, meta, slugs_file, log_for)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["targets"] = evaluate(report, points)
    return report


def stats_only(
    args: argparse.Namespace,
    meta: dict[str, Any],
    report: dict[str, Any],
    slugs_file: Path,
    log_for: Any,
) -> dict[str, Any]:
    """``--stats only``: the stats comparison alone (about 3 minutes at the defaults)."""
    if not args.redis_url:
        raise SystemExit("--stats only needs Redis (--redis-url): the cache is what is compared")
    report["stats"] = stats_run(args, meta, slugs_file, log_for)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["targets"] = stats_targets(report["stats"])
    return report


def server_timings(log: Path, path: str, since: datetime) -> dict[str, float]:
    """p50/p99 of the app's own request log (``duration_ms``) for ``path`` since ``since``."""
    durations = []
    for line in log.read_text(errors="replace").splitlines():
        if not line.startswith("{") or f'"path": "{path}"' not in line:
            continue
        try:
            entry = json.loads(line)
            when = datetime.fromisoformat(entry["time"])
        except (ValueError, KeyError):
            continue
        if entry.get("message") == "request" and "duration_ms" in entry and when >= since:
            durations.append(float(entry["duration_ms"]))
    if not durations:
        return {}
    durations.sort()
    return {
        "server_p50_ms": durations[len(durations) // 2],
        "server_p99_ms": durations[min(len(durations) - 1, int(len(durations) * 0.99))],
        "server_requests": len(durations),
    }


def memory_run(
    port: int, master: psutil.Process, args: argparse.Namespace, tokens: dict[str, str]
) -> dict[str, Any]:
    """RSS per worker across at least ``memory_requests`` requests to a list endpoint."""
    path = f"/api/articles?limit={PAGE_SIZE}"
    curve = [{"requests": 0, "rss_mb": current_rss(master)}]
    total = 0
    deadline = time.monotonic() + args.memory_seconds
    while total < args.memory_requests and time.monotonic() < deadline:
        summary = wrk(port, path, 10, args.connections, env={"BENCH_AUTH": ""})
        total += summary["requests"]
        curve.append({"requests": total, "rss_mb": current_rss(master)})
        print(f"memory: {total} requests, rss {curve[-1]['rss_mb']} MB", flush=True)
    first = curve[1]["rss_mb"] if len(curve) > 1 else curve[0]["rss_mb"]
    last = curve[-1]["rss_mb"]
    growth = max((b - a for a, b in zip(first, last, strict=False)), default=0.0)
    return {"path": path, "curve": curve, "requests": total, "growth_mb": round(growth, 1)}


def throughput_floor(point: Endpoint, profile: str) -> float | None:
    """Issue 21's targets, as a share of the minimal Flask view's requests per second."""
    cached = profile == "cached"
    if point.group in ("anon", "feed", "conditional"):
        if cached:
            return 0.8
        if point.group != "anon":
            return None  # a feed miss renders the feed: no target of its own
        return 0.4 if point.name.startswith("/api/v1") else 0.35
    return {"signed": 0.35, "search": None if cached else 0.2, "write": 0.1}.get(point.group)


def evaluate(report: dict[str, Any], points: list[Endpoint]) -> list[dict[str, Any]]:
    base = report["baseline"].get("minimal Flask", {}).get("rps")
    checks: list[dict[str, Any]] = []

    def check(target: str, ok: bool, measured: str) -> None:
        checks.append({"target": target, "met": bool(ok), "measured": measured})

    for name, data in report["queries"].items():
        sizes = data.get("queries_by_page_size") if isinstance(data, dict) else None
        if sizes:
            check(
                f"constant queries per request: {name}",
                len(set(sizes.values())) == 1,
                ", ".join(f"limit {k}: {v}" for k, v in sizes.items()),
            )
    profiles = report["profiles"]
    for profile in profiles:
        for point in points:
            result = profiles[profile].get("endpoints", {}).get(point.name, {})
            floor = throughput_floor(point, profile)
            if floor is not None and base and "rps" in result:
                ratio = result["rps"] / base
                check(
                    f"{point.group} ≥ {floor}× Flask ({profile}): {point.name}",
                    ratio >= floor,
                    f"{ratio:.2f}×",
                )
            if point.group == "conditional" and "answer" in result:
                check(
                    f"conditional GET answered 304 ({profile}): {point.name}",
                    result["answer"] == 304,
                    str(result["answer"]),
                )
    for profile in profiles:
        for point in points:
            result = profiles[profile].get("endpoints", {}).get(point.name, {})
            if "rps" not in result:
                continue
            if point.group == "deep" and point.pair:
                first = profiles[profile]["endpoints"].get(point.pair, {})
                if "p50_ms" in first:
                    ratio = result["p50_ms"] / max(first["p50_ms"], 0.001)
                    check(
                        f"page 2000 ≤ 1.5× page 1 latency ({profile}): {point.name}",
                        ratio <= 1.5,
                        f"p50 {result['p50_ms']} vs {first['p50_ms']} ms ({ratio:.2f}×)",
                    )
            if point.group == "search":
                single = result["one_connection"]
                check(
                    f"search p99 < 50 ms at {report['settings']['connections']} connections "
                    f"({profile})",
                    result["p99_ms"] < 50,
                    f"p99 {result['p99_ms']} ms (p50 {result['p50_ms']} ms)",
                )
                if "server_p99_ms" in single:
                    check(
                        f"search p99 ≤ 10 ms, service time on one connection ({profile})",
                        single["server_p99_ms"] <= 10,
                        f"app request log: p50 {single['server_p50_ms']}, p99 "
                        f"{single['server_p99_ms']} ms over {single['server_requests']} "
                        f"requests (wrk on one connection: p99 {single['p99_ms']} ms)",
                    )
            if point.group != "write":
                ratio = result["p99_ms"] / max(result["p50_ms"], 0.001)
                check(
                    f"p99 < 4× p50 ({profile}): {point.name}",
                    ratio < 4,
                    f"{result['p99_ms']} / {result['p50_ms']} ms ({ratio:.1f}×)",
                )
            check(
                f"no errors ({profile}): {point.name}", result["errors"] == 0, str(result["errors"])
            )
    if report.get("stats"):
        checks.extend(stats_targets(report["stats"]))
    memory = report.get("memory")
    if memory:
        check(
            "memory per worker flat over 100,000 requests",
            memory["requests"] >= 100_000 and memory["growth_mb"] <= 5,
            f"{memory['requests']} requests, growth {memory['growth_mb']} MB per worker",
        )
    return checks


# --- the report ---------------------------------------------------------------------------


def markdown(report: dict[str, Any]) -> str:
    base = report["baseline"].get("minimal Flask", {}).get("rps")
    m, v, s = report["machine"], report["versions"], report["settings"]
    lines = [
        f"Run {report['started']} → {report['finished']} on {m['cpu']}, {m['cores']} cores, "
        f"{m['ram_gb']} GB RAM; load average {m['load_average_at_start']} at the start, "
        f"{m['load_average_at_end']} at the end.",
        "",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
        f"gunicorn {s['workers']} {s['worker_class']} workers, wrk {s['connections']} "
        f"connections, {s['seconds']} s per endpoint after {s['warmup_seconds']} s of warm-up; "
        f"Redis {'on' if s['redis'] else 'off'}. Data: "
        + ", ".join(f"{val:,} {k}" for k, val in report["data"]["counts"].items())
        + f" (generated in {report['data']['generation']['total_seconds']} s).",
    ]
    if report["baseline"] or report["profiles"]:  # not with --stats only
        lines += [
            "",
            "| Endpoint | Profile | req/s | × Flask | p50 ms | p99 ms | CPU ms/req | SQL/req "
            "| peak RSS MB | errors |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
    for name, result in report["baseline"].items():
        ratio = f"{result['rps'] / base:.2f}" if base else "-"
        lines.append(
            f"| {name} (baseline) | - | {result['rps']:.0f} | {ratio} | {result['p50_ms']} "
            f"| {result['p99_ms']} | {result['cpu_ms_per_request']} | 0 "
            f"| {result['peak_rss_mb']} | {result['errors']} |"
        )
    for profile, data in report["profiles"].items():
        for name, result in data.get("endpoints", {}).items():
            queries = report["queries"].get(name, {})
            if name.startswith("write mix"):
                sql = "/".join(str(q.get("queries")) for q in queries.values())
            else:
                sql = str(queries.get("queries_cold", "-"))
                if profile == "cached" and "queries_warm" in queries:
                    sql = f"{sql} (miss)"
            if "rps" not in result:
                lines.append(f"| {name} | {profile} | {result.get('skipped')} |||||||")
                continue
            ratio = f"{result['rps'] / base:.2f}" if base else "-"
            lines.append(
                f"| {name} | {profile} | {result['rps']:.0f} | {ratio} | {result['p50_ms']} "
                f"| {result['p99_ms']} | {result['cpu_ms_per_request']} | {sql} "
                f"| {result['peak_rss_mb']} | {result['errors']} |"
            )
    memory = report.get("memory")
    if memory:
        step = max(1, len(memory["curve"]) // 6)
        lines += [
            "",
            f"Memory per worker across {memory['requests']:,} requests to {memory['path']}: "
            + " → ".join(str(point["rss_mb"]) for point in memory["curve"][::step])
            + f" MB (growth after the first 10 s: {memory['growth_mb']} MB).",
        ]
    if report.get("stats"):
        lines += stats_markdown(report["stats"])
    lines += ["", "| Target | Met | Measured |", "|---|---|---|"]
    for item in report["targets"]:
        lines.append(
            f"| {item['target']} | {'yes' if item['met'] else '**no**'} | {item['measured']} |"
        )
    return "\n".join(lines) + "\n"


def write_readme_section(db: str, table: str) -> None:
    readme = HERE / "README.md"
    if not readme.exists():
        return
    text = readme.read_text()
    start, end = f"<!-- results:{db}:start -->", f"<!-- results:{db}:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _old, tail = rest.split(end, 1)
        readme.write_text(f"{head}{start}\n{table}{end}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profiles", default="cached,uncached")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--memory-requests", type=int, default=100_000)
    parser.add_argument("--memory-seconds", type=float, default=300)
    parser.add_argument("--only", help="comma-separated parts of endpoint names")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--stats",
        choices=("include", "only", "skip"),
        default="include",
        help="the stats comparison (cached reads with stats off and on, the beacon's cost)",
    )
    parser.add_argument("--stats-rounds", type=int, default=2, help="off/on pairs (ABBA)")
    parser.add_argument("--output", help="defaults to bench/results/<db>.json")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    if args.redis_url in ("", "none"):
        args.redis_url = None
    sys.path.insert(0, str(ROOT / "src"))
    report = run(args)
    # The stats comparison alone has its own files and README section.
    name = f"stats-{args.db}" if args.stats == "only" else args.db
    output = Path(args.output) if args.output else RESULTS / f"{name}.json"
    output.write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    output.with_suffix(".md").write_text(table)
    if not args.output:
        write_readme_section(name, table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
