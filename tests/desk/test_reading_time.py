"""Reading time: the word count, its minutes, and the migration that counts old articles."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from folio import create_app
from folio.articles.reading import count_words, reading_minutes
from folio.extensions import db
from tests.conftest import _create_database, _drop_database, _migrations

MIGRATIONS = _migrations()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("", 0),
        ("   \n\t ", 0),
        ("one", 1),
        ("Two  words", 2),
        ("# A heading\n\nA *short* paragraph, with [a link](https://example.com).", 9),
        ("line\nbreaks\r\nand\ttabs", 4),
        ("émigré café naïve", 3),
        ("```python\ndef f():\n    return 1\n```", 6),
    ],
)
def test_words_are_runs_of_non_space_in_the_markdown(body: str, words: int) -> None:
    assert count_words(body) == words


@pytest.mark.parametrize(
    ("words", "minutes"),
    [
        (0, 1),
        (1, 1),
        (114, 1),
        (115, 1),
        (345, 2),
        (460, 2),
        (574, 2),
        (575, 3),
        (804, 3),
        (805, 4),
        (1035, 5),
        (2300, 10),
        (5000, 22),
    ],
)
def test_minutes_round_at_230_words_and_are_never_zero(words: int, minutes: int) -> None:
    # Exact halves (345, 575, 805, 1035 words) round up, as the editor's Math.round does.
    assert reading_minutes(words) == minutes


# --- the migration ---------------------------------------------------------------------------


@pytest.fixture
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of its own: the migration goes down and up on it."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql"):
        own = _create_database(url, "reading_time")
        yield own
        _drop_database(own)
    else:
        yield f"sqlite:///{tmp_path / 'reading-time.db'}"


BODIES = ["", "Just three words", "# Title\n\nsome body text here", "word " * 1000]


def _insert_articles_before_0007(count: int) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.execute(
        text(
            "INSERT INTO users (id, username, username_key, email, password_hash, role, "
            "is_active, session_version, password_changed_at, email_notifications, "
            "created_at, updated_at) VALUES (1, 'old', 'old', 'old@example.com', 'x', "
            "'author', true, 1, :now, true, :now, :now)"
        ),
        {"now": now},
    )
    db.session.execute(
        text(
            "INSERT INTO articles (slug, title, description, body, body_html, status, "
            "author_id, favorites_count, version, created_at, updated_at) VALUES "
            "(:slug, :title, '', :body, '', 'draft', 1, 0, 1, :now, :now)"
        ),
        [
            {
                "slug": f"old-{n}",
                "title": f"Old piece {n} zucchini",
                "body": BODIES[n % len(BODIES)],
                "now": now,
            }
            for n in range(count)
        ],
    )
    db.session.commit()


def test_the_migration_counts_the_words_of_every_existing_article(
    scratch_database: str,
) -> None:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": scratch_database})
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0006")
        # More than one batch of 500.
        _insert_articles_before_0007(1203)
        upgrade(directory=MIGRATIONS, revision="0007")
        rows = db.session.execute(text("SELECT slug, word_count FROM articles")).all()
        assert len(rows) == 1203
        expected = {f"old-{n}": count_words(BODIES[n % len(BODIES)]) for n in range(1203)}
        assert dict(rows) == expected
        assert {words for _, words in rows} == {0, 3, 6, 1000}
        # A new row without a count gets the default, 0, not NULL.
        db.session.execute(
            text(
                "INSERT INTO articles (slug, title, description, body, body_html, status, "
                "author_id, favorites_count, version, created_at, updated_at) VALUES "
                "('new', 'New', '', 'a b', '', 'draft', 1, 0, 1, :now, :now)"
            ),
            {"now": datetime(2026, 1, 2, tzinfo=UTC)},
        )
        assert db.session.scalar(text("SELECT word_count FROM articles WHERE slug = 'new'")) == 0
        db.session.commit()
        _full_text_search_still_follows_the_table()
        downgrade(directory=MIGRATIONS, revision="0006")
        _full_text_search_still_follows_the_table()
        db.session.remove()
        db.engine.dispose()


def _full_text_search_still_follows_the_table() -> None:
    """SQLite's full-text index is kept by triggers on ``articles``: they survived."""
    if db.engine.dialect.name != "sqlite":
        return
    db.session.execute(text("UPDATE articles SET title = 'Courgette notes' WHERE slug = 'old-7'"))
    db.session.commit()
    found = db.session.scalars(
        text(
            "SELECT a.slug FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
            "WHERE articles_fts MATCH 'courgette'"
        )
    ).all()
    assert found == ["old-7"]
    db.session.execute(text("UPDATE articles SET title = 'Old piece 7' WHERE slug = 'old-7'"))
    db.session.commit()
