"""Two versions of Folio side by side, in one run: CPU per request, in-process.

    python bench/ab.py --old /path/to/old/src --new src [--rounds 4] [--requests 200]

Each round runs every path in a fresh interpreter per version, alternating old and new
(old, new, old, new, ...), against its own copy of the SQLite benchmark database
(``bench/generate.py --db sqlite``), so both see the same data and the machine's drift
falls on both alike. A path's figure is the median over rounds of the mean CPU time per
request (``time.process_time``) after 20 warm-up requests, measured through Flask's test
client in the production profile with the public cache off: what a cache miss costs the
worker, without gunicorn or the network. Writes (a RealWorld article, a comment, a favorite and
its removal) run after the reads. The ratio new/old is what bench/README.md reports.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
WORKER = r"""
import json, os, sys, time
from datetime import timedelta
meta, n = json.loads(sys.argv[1]), int(sys.argv[2])
from folio import create_app
from folio.extensions import db
from sqlalchemy import select
limits = {f"RATELIMIT_{k}{s}": "1000000 per minute"
          for k in ("SIGNIN", "REGISTER", "RESET", "TOKENS", "COMMENT", "WRITE", "PREVIEW")
          for s in ("", "_ACCOUNT")}
app = create_app("production", {"SQLALCHEMY_DATABASE_URI": meta["database_url"],
                                "PUBLIC_CACHE": False, **limits})
try:
    from folio.auth.tokens import issue_access_token
except ImportError:
    from folio.tokens import issue_access_token
from folio.models import User
with app.app_context():
    def token(name):
        user = db.session.scalar(select(User).where(User.username_key == name))
        return "Token " + issue_access_token(user, expires=timedelta(hours=1))
    reader, writer = token("bench_reader"), token("bench_writer")
client = app.test_client()
base = {"X-Forwarded-Proto": "https", "Host": "localhost"}
slug = meta["article_slug"]
reads = [
    ("home", "/", None), ("article page", f"/articles/{slug}", None),
    ("profile page", f"/@{meta['profile']}", None), ("tag page", f"/tags/{meta['tag']}", None),
    ("search page", f"/search?q={meta['search']}", None),
    ("Atom feed", "/atom.xml", None),
    ("/api/v1/articles", "/api/v1/articles?page_size=20", None),
    ("/api/articles", "/api/articles?limit=20", None),
    ("/api/articles/:slug", f"/api/articles/{slug}", None),
    ("/api/articles signed in", "/api/articles?limit=20", reader),
    ("/api/articles/feed", "/api/articles/feed?limit=20", reader),
]
out = {}
def timed(name, call, count):
    for _ in range(20):  # warm: statement caches, first-use imports
        call()
    start = time.process_time()
    for i in range(count):
        status = call(i)
        assert status < 400, (name, status)
    out[name] = (time.process_time() - start) * 1000 / count
for name, path, auth in reads:
    headers = {**base, **({"Authorization": auth} if auth else {})}
    timed(name, lambda i=0, p=path, h=headers: client.get(p, headers=h).status_code, n)
w = {**base, "Authorization": writer}
def write_article(i=0):
    body = {"article": {"title": f"Bench {time.perf_counter_ns()}", "description": "d",
                        "body": "Some *Markdown* with `code`.\n\n" * 20, "tagList": ["bench"]}}
    return client.post("/api/articles", json=body, headers=w).status_code
def comment(i=0):
    return client.post(f"/api/articles/{slug}/comments",
                       json={"comment": {"body": "A bench comment"}}, headers=w).status_code
def favorite(i=0):
    first = client.post(f"/api/articles/{slug}/favorite", headers=w).status_code
    return max(first, client.delete(f"/api/articles/{slug}/favorite", headers=w).status_code)
timed("write: article", write_article, max(10, n // 4))
timed("write: comment", comment, max(10, n // 4))
timed("write: favorite + unfavorite", favorite, max(10, n // 4))
print(json.dumps(out))
"""


def run_version(src: Path, meta: dict[str, object], requests: int, scratch: Path) -> dict:
    db = scratch / "ab.db"
    for suffix in ("", "-wal", "-shm"):
        # A write-ahead log left by the previous run must not meet a fresh copy.
        Path(f"{db}{suffix}").unlink(missing_ok=True)
        source = DATA / f"folio-bench.db{suffix}"
        if source.exists():
            shutil.copyfile(source, f"{db}{suffix}")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "FOLIO_"))},
        "PYTHONPATH": str(src.resolve()),
        "SECRET_KEY": "ab-benchmark-secret-key-that-is-long-enough",
        "PUBLIC_URL": "https://localhost",
        "TRUSTED_HOSTS": "localhost",
        "FOLIO_ENV": "production",
    }
    env.pop("REDIS_URL", None)
    meta = {**meta, "database_url": f"sqlite:///{db}"}
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", WORKER, json.dumps(meta), str(requests)],
        env=env,
        cwd=scratch,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{src}: {done.stderr[-3000:]}\n{done.stdout[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=Path, required=True, help="the old version's src/")
    parser.add_argument("--new", type=Path, default=HERE.parent / "src")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    meta = json.loads((DATA / "sqlite.json").read_text())
    samples: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(args.rounds):
            for label, src in (("old", args.old), ("new", args.new)):
                figures = run_version(src, meta, args.requests, Path(scratch))
                for name, ms in figures.items():
                    samples[label].setdefault(name, []).append(ms)
            print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)  # noqa: T201
    print("| path | old ms CPU/req | new ms CPU/req | new/old |")  # noqa: T201
    print("| --- | ---: | ---: | ---: |")  # noqa: T201
    for name in samples["old"]:
        old = statistics.median(samples["old"][name])
        new = statistics.median(samples["new"][name])
        print(f"| {name} | {old:.2f} | {new:.2f} | {new / old:.2f} |")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
