"""Build the benchmark database: a large, realistic, deterministic Folio site.

    python bench/generate.py --db sqlite
    python bench/generate.py --db postgresql [--database-url postgresql://...]

The schema comes from the migrations (as ``flask db upgrade`` builds it), the content
from ``folio.seed.seed`` (bulk Core inserts) with benchmark sizes: 10,000 users,
~100,000 published articles plus ~5% drafts, ~300,000 comments, ~1,000,000 favorites and
a long-tailed follow graph. Two known accounts are added for the runner: ``bench_reader``
follows the 200 most prolific authors (the feed benchmark) and ``bench_writer`` does the
write mix. After the load: favorites_count is checked against the favorites table, the
full-text index is checked, and the planner statistics are refreshed (ANALYZE).

Facts the runner needs (a slug, a tag, the users, the timings) go to
``bench/data/<db>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
DEFAULT_URLS = {
    "sqlite": f"sqlite:///{DATA / 'folio-bench.db'}",
    "postgresql": "postgresql://postgres@127.0.0.1:5432/folio_bench",
}
READER = "bench_reader"
WRITER = "bench_writer"
FEED_AUTHORS = 200


def _log(start: float, message: str) -> None:
    print(f"[{time.monotonic() - start:7.1f}s] {message}", flush=True)


def fresh_database(kind: str, url: str) -> None:
    """Drop whatever the URL points at and build the schema from the migrations."""
    if kind == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from folio.config import normalise_database_url

        target = make_url(normalise_database_url(url))
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
        admin.dispose()
    env = {**os.environ, "DATABASE_URL": url, "FOLIO_ENV": "development"}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "folio", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"flask db upgrade failed:\n{done.stdout}\n{done.stderr}")


def add_bench_accounts(session: Any, password_hash: str) -> dict[str, int]:
    """``bench_reader`` follows the 200 most prolific authors; ``bench_writer`` writes."""
    from datetime import UTC, datetime

    from sqlalchemy import func, insert, select

    from folio.models import Article, Follow, Status, User

    now = datetime.now(UTC)
    ids = {}
    for name in (READER, WRITER):
        row = {
            "username": name,
            "username_key": name,
            "email": f"{name}@example.com",
            "password_hash": password_hash,
            "display_name": name.replace("_", " ").title(),
            "bio": "Benchmark account.",
            "role": "author",
            "is_active": True,
            "session_version": 1,
            "email_notifications": False,
            "password_changed_at": now,
            "created_at": now,
            "updated_at": now,
        }
        session.execute(insert(User), [row])
        ids[name] = session.scalar(select(User.id).where(User.username_key == name))
    authors = session.scalars(
        select(Article.author_id)
        .where(Article.status == Status.PUBLISHED.value)
        .group_by(Article.author_id)
        .order_by(func.count().desc(), Article.author_id)
        .limit(FEED_AUTHORS)
    ).all()
    session.execute(
        insert(Follow),
        [{"follower_id": ids[READER], "followee_id": a, "created_at": now} for a in authors],
    )
    return ids


def verify_and_analyze(session: Any, kind: str) -> dict[str, Any]:
    """Check the derived data the bulk load must leave right, then refresh statistics."""
    from sqlalchemy import func, select, text

    from folio.models import Article, Comment, Favorite, Follow, Status, User

    facts: dict[str, Any] = {
        "users": session.scalar(select(func.count()).select_from(User)),
        "articles": session.scalar(select(func.count()).select_from(Article)),
        "published": session.scalar(
            select(func.count()).where(Article.status == Status.PUBLISHED.value)
        ),
        "comments": session.scalar(select(func.count()).select_from(Comment)),
        "favorites": session.scalar(select(func.count()).select_from(Favorite)),
        "follows": session.scalar(select(func.count()).select_from(Follow)),
    }
    counted = session.scalar(select(func.coalesce(func.sum(Article.favorites_count), 0)))
    if counted != facts["favorites"]:
        raise SystemExit(f"favorites_count sums to {counted}, favorites has {facts['favorites']}")
    wrong = session.scalar(
        select(func.count()).where(
            Article.favorites_count
            != select(func.count())
            .where(Favorite.article_id == Article.id)
            .correlate(Article)
            .scalar_subquery()
        )
    )
    if wrong:
        raise SystemExit(f"{wrong} articles have a wrong favorites_count")
    if kind == "sqlite":
        # External-content FTS5: the index must agree with the articles table.
        session.execute(text("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')"))
        session.execute(text("ANALYZE"))
        session.execute(text("PRAGMA optimize"))
    else:
        present = session.scalar(
            text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_articles_search'")
        )
        if not present:
            raise SystemExit("the PostgreSQL search index ix_articles_search is missing")
        session.execute(text("ANALYZE"))
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=sorted(DEFAULT_URLS), default="sqlite")
    parser.add_argument("--database-url", help="defaults to a bench database per backend")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--published", type=int, default=100_000)
    parser.add_argument("--drafts-ratio", type=float, default=0.05)
    parser.add_argument("--comments", type=int, default=300_000)
    parser.add_argument("--favorites", type=int, default=1_000_000)
    parser.add_argument("--follows-per-user", type=int, default=8)
    args = parser.parse_args(argv)
    url = args.database_url or DEFAULT_URLS[args.db]

    start = time.monotonic()
    fresh_database(args.db, url)
    _log(start, f"schema migrated on {args.db}")

    from sqlalchemy import select, text

    from folio import create_app
    from folio.extensions import db
    from folio.models import Article, Status, Tag
    from folio.seed import seed

    articles = round(args.published / (1 - args.drafts_ratio))
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    timings: dict[str, float] = {}
    with app.app_context():
        session = db.session()
        if args.db == "postgresql":
            # A bulk load may lose its work on a crash; it is rebuilt from scratch anyway.
            session.execute(text("SET synchronous_commit = off"))
        report = seed(
            session,
            users=args.users,
            articles=articles,
            seed_value=args.seed,
            drafts_ratio=args.drafts_ratio,
            comments_per_article=args.comments / articles,
            favorites_per_user=args.favorites // args.users,
            follows_per_user=args.follows_per_user,
            progress=lambda message: _log(start, message),
        )
        password_hash = session.scalar(text("SELECT password_hash FROM users WHERE id = 1"))
        ids = add_bench_accounts(session, password_hash)
        session.commit()
        timings["load_seconds"] = round(time.monotonic() - start, 1)
        _log(start, f"loaded: {report}")
        facts = verify_and_analyze(session, args.db)
        session.commit()
        if args.db == "postgresql":
            # VACUUM sets the visibility map, without which PostgreSQL cannot answer a count
            # or a deep OFFSET from the index alone (93 ms vs a few for 100,000 rows).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        timings["total_seconds"] = round(time.monotonic() - start, 1)
        _log(start, f"verified and analyzed: {facts}")

        # The article the page benchmark reads: a published one with comments and tags.
        slug = session.scalar(
            select(Article.slug)
            .where(Article.status == Status.PUBLISHED.value)
            .order_by(Article.published_at.desc(), Article.id.desc())
            .offset(500)
            .limit(1)
        )
        author = session.scalar(
            text(
                "SELECT u.username FROM users u JOIN articles a ON a.author_id = u.id "
                "GROUP BY u.id, u.username ORDER BY count(*) DESC LIMIT 1 OFFSET 50"
            )
        )
        tag = session.scalar(select(Tag.name).order_by(Tag.name).limit(1))
        db.engine.dispose()

    meta = {
        "db": args.db,
        "database_url": url,
        "seed": args.seed,
        "counts": facts,
        "timings": timings,
        "reader": READER,
        "writer": WRITER,
        "account_ids": ids,
        "article_slug": slug,
        "profile": author,
        "tag": tag,
        "search": "python",
    }
    DATA.mkdir(exist_ok=True)
    (DATA / f"{args.db}.json").write_text(json.dumps(meta, indent=2) + "\n")
    _log(start, f"done: bench/data/{args.db}.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
