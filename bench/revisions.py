"""What 100 revisions of a long article cost to store: Folio's revisions next to plain
copies, in one run.

    python bench/revisions.py [--words 5000] [--revisions 100] [--seed 7]
        [--database-url postgresql://postgres@127.0.0.1/folio_bench_revisions]

A 5,000-word article (paragraphs of 40-120 words from a 3,000-word vocabulary with a
long tail, so it compresses about like prose) is written, then saved 100 times through
the real rules (``update_article``), each save editing a few paragraphs as a writer does:
2-4 paragraphs rewritten in part, and now and then one added or removed. Measured:

- *plain copies*: the UTF-8 bytes of every revision's body stored whole;
- *compressed copies*: every body zlib-compressed (level 9), stored whole;
- *Folio*: ``body_data`` as stored (a compressed keyframe every ``KEYFRAME_EVERY``
  revisions, compressed line scripts between them), and the whole rows' bytes;
- on PostgreSQL also ``pg_total_relation_size('article_revisions')`` (table, TOAST and
  indexes), on SQLite the table's pages from ``dbstat`` when the build has it;
- the time to rebuild the body of the worst-placed revision (the one furthest from its
  keyframe) and of the newest, median of 50.

Writes bench/results/revisions.{json,md} and the table in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from folio import create_app  # noqa: E402
from folio.accounts import rules as accounts  # noqa: E402
from folio.articles import revisions  # noqa: E402
from folio.articles import rules as articles  # noqa: E402
from folio.articles.revision_models import ArticleRevision  # noqa: E402
from folio.articles.revision_storage import KEYFRAME_EVERY  # noqa: E402
from folio.extensions import db  # noqa: E402

RESULTS = HERE / "results"
START, END = "<!-- results:revisions:start -->", "<!-- results:revisions:end -->"


class Writer:
    """Deterministic prose-like text and the edits a writer makes to it."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
        syllables = ["ka", "lo", "mi", "ten", "ra", "vos", "el", "an", "ur", "stre", "pi", "do"]
        words = {
            "".join(self.random.choices(syllables, k=self.random.randint(1, 4)))
            for _ in range(6000)
        }
        self.vocabulary = sorted(words)[:3000]
        # Zipf-like weights: a few words are common, most are rare, as in prose.
        self.weights = [1 / (rank + 1) ** 1.1 for rank in range(len(self.vocabulary))]

    def sentence(self) -> str:
        count = self.random.randint(6, 22)
        words = self.random.choices(self.vocabulary, self.weights, k=count)
        return " ".join(words).capitalize() + self.random.choice([".", ".", ".", "?", "!"])

    def paragraph(self) -> str:
        out: list[str] = []
        while sum(len(s.split()) for s in out) < self.random.randint(40, 120):
            out.append(self.sentence())
        return " ".join(out)

    def article(self, words: int) -> list[str]:
        paragraphs: list[str] = []
        while sum(len(p.split()) for p in paragraphs) < words:
            paragraphs.append(self.paragraph())
        return paragraphs

    def edit(self, paragraphs: list[str]) -> list[str]:
        """A few paragraphs changed: sentences rewritten, sometimes a paragraph more or less."""
        edited = list(paragraphs)
        for _ in range(self.random.randint(2, 4)):
            index = self.random.randrange(len(edited))
            sentences = edited[index].split(". ")
            at = self.random.randrange(len(sentences))
            sentences[at] = self.sentence().rstrip(".")
            edited[index] = ". ".join(sentences)
        roll = self.random.random()
        if roll < 0.15:
            edited.insert(self.random.randrange(len(edited)), self.paragraph())
        elif roll < 0.25 and len(edited) > 10:
            del edited[self.random.randrange(len(edited))]
        return edited


def _median_ms(work: Any, repeat: int = 50) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def _table_bytes(session: Any) -> int | None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("ANALYZE article_revisions"))
        return int(session.scalar(text("SELECT pg_total_relation_size('article_revisions')")))
    try:
        size = session.scalar(
            text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE '%article_revisions%'")
        )
    except Exception:  # noqa: BLE001 - SQLite built without dbstat: not measured
        return None
    return int(size) if size is not None else None


def measure(args: argparse.Namespace, url: str) -> dict[str, Any]:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    writer = Writer(args.seed)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        session = db.session()
        author = accounts.register(
            session, username="bench_reviser", email="reviser@example.com", password="x" * 16
        )
        paragraphs = writer.article(args.words)
        article = articles.create_article(
            session,
            author,
            title="A long article",
            description="Edited a hundred times",
            body="\n\n".join(paragraphs),
            publish=True,
        )
        bodies = [article.body]
        for _ in range(args.revisions - 1):
            paragraphs = writer.edit(paragraphs)
            articles.update_article(session, author, article, {"body": "\n\n".join(paragraphs)})
            bodies.append(article.body)
        session.commit()
        rows = session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article.id)
            .order_by(ArticleRevision.number)
        ).all()
        assert len(rows) == args.revisions, len(rows)
        assert [revisions.body_of(session, row) for row in rows] == bodies
        plain = sum(len(body.encode()) for body in bodies)
        compressed = sum(len(zlib.compress(body.encode(), 9)) for body in bodies)
        stored = sum(len(row.body_data) for row in rows)
        other = sum(
            len(row.title.encode()) + len(row.description.encode()) + len(json.dumps(row.tags))
            for row in rows
        )
        worst = max(rows, key=lambda row: (row.number - 1) % KEYFRAME_EVERY)
        newest = rows[-1]
        formats = session.execute(
            select(ArticleRevision.body_format, func.count())
            .where(ArticleRevision.article_id == article.id)
            .group_by(ArticleRevision.body_format)
        ).all()
        result = {
            "database": session.get_bind().dialect.name,
            "words": len(bodies[0].split()),
            "revisions": len(rows),
            "keyframe_every": KEYFRAME_EVERY,
            "formats": {name: count for name, count in formats},
            "plain_bytes": plain,
            "compressed_copies_bytes": compressed,
            "folio_body_bytes": stored,
            "folio_other_field_bytes": other,
            "table_bytes": _table_bytes(session),
            "rebuild_worst_ms": _median_ms(lambda: revisions.body_of(session, worst)),
            "rebuild_newest_ms": _median_ms(lambda: revisions.body_of(session, newest)),
            "worst_revision": worst.number,
        }
        session.rollback()
        db.engine.dispose()
    return result


def report(result: dict[str, Any]) -> str:
    plain = result["plain_bytes"]

    def row(name: str, size: int | None) -> str:
        if size is None:
            return f"| {name} | not measured | |"
        return f"| {name} | {size:,} | {size / plain:.3f} |"

    lines = [
        f"Run {result['when']} on {result['machine']}; {result['database']}; "
        f"{result['words']:,}-word article, {result['revisions']} revisions (each save "
        f"edits 2-4 paragraphs, sometimes adds or drops one); keyframe every "
        f"{result['keyframe_every']}; formats stored: {result['formats']}.",
        "",
        "| storage of 100 bodies | bytes | of plain copies |",
        "|---|---:|---:|",
        row("plain copies (UTF-8)", plain),
        row("zlib-compressed copies", result["compressed_copies_bytes"]),
        row("Folio `body_data` (keyframes + line scripts)", result["folio_body_bytes"]),
        row("Folio table on disk (rows, indexes)", result["table_bytes"]),
        "",
        f"Rebuilding a body: {result['rebuild_worst_ms']} ms for revision "
        f"{result['worst_revision']} (furthest from its keyframe), "
        f"{result['rebuild_newest_ms']} ms for the newest (median of 50).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--revisions", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/revisions.db"
        result = measure(args, url)
    result["when"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["machine"] = f"{platform.machine()}, Python {platform.python_version()}"
    table = report(result)
    RESULTS.mkdir(exist_ok=True)
    name = f"revisions-{result['database']}"
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(table + "\n")
    readme = HERE / "README.md"
    content = readme.read_text()
    if START in content and result["database"] == "sqlite":
        head, rest = content.split(START, 1)
        content = head + START + "\n" + table + "\n" + END + rest.split(END, 1)[1]
        readme.write_text(content)
    print(table)


if __name__ == "__main__":
    main()
