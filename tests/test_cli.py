"""The commands an operator runs: seed-db and create-user."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from folio.extensions import db
from folio.models import Article, Comment, Favorite, Follow, Status, User
from folio.seed import DEMO_EMAIL


def test_seed_db_makes_realistic_consistent_content(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["seed-db", "--users", "12", "--articles", "60", "--covers", "2"]
    )
    assert result.exit_code == 0, result.output
    assert DEMO_EMAIL in result.output
    assert "(2 with a cover)" in result.output
    with app.app_context():
        session = db.session
        count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(User) == 12
        assert count(Article) == 60
        assert count(Comment) > 0
        assert count(Follow) > 0
        assert count(Favorite) > 0
        published = session.scalars(
            select(Article).where(Article.status == Status.PUBLISHED.value)
        ).all()
        assert published
        assert all(a.published_at is not None for a in published)
        assert any('<pre class="highlight">' in a.body_html for a in published)
        assert any('<h2 id="' in a.body_html for a in published)
        # The newest articles got covers, uploaded by their own authors, sizes made.
        covered = session.scalars(
            select(Article).where(Article.cover_id.is_not(None)).options(joinedload(Article.cover))
        ).all()
        assert len(covered) == 2
        assert all(a.cover.owner_id == a.author_id and a.cover.ready for a in covered)
        # The denormalised favorite counts agree with the favorites.
        for article in published:
            real = session.scalar(select(func.count()).where(Favorite.article_id == article.id))
            assert article.favorites_count == real


def test_seed_db_is_deterministic_and_if_empty_leaves_content_alone(app: Flask) -> None:
    runner = app.test_cli_runner()
    seed_args = ["seed-db", "--users", "5", "--articles", "10", "--seed", "7", "--covers", "0"]

    def titles() -> list[str]:
        with app.app_context():
            return list(db.session.scalars(select(Article.title).order_by(Article.id)))

    assert runner.invoke(args=seed_args).exit_code == 0
    first = titles()
    again = runner.invoke(args=["seed-db", "--if-empty"])
    assert "already has content" in again.output
    assert titles() == first
    with app.app_context():
        db.session.execute(delete(User))  # cascades to everything they wrote
        db.session.commit()
    assert titles() == []
    assert runner.invoke(args=seed_args).exit_code == 0
    assert titles() == first
    assert len(set(first)) > 1


def test_create_user_prompts_for_the_password_and_makes_an_admin(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-user", "Root@Example.com", "root", "--admin"],
        input="a-long-admin-passphrase\na-long-admin-passphrase\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "root"))
        assert user is not None
        assert user.is_admin
        assert user.email == "root@example.com"


def test_create_user_reports_problems_without_a_traceback(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-user", "not-an-email", "x"], input="short\nshort\n"
    )
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "email" in result.output
