"""factory_boy factories that write through the app's session (flushed, never committed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from folio.articles.markdown import render_markdown
from folio.articles.reading import count_words
from folio.extensions import db
from folio.models import Article, Comment, Role, Status, Tag, User
from tests.conftest import TEST_PASSWORD

# The testing profile's cheap method: production's scrypt would cost each sign-in 0.2 s.
_PASSWORD_HASH = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1000")
_clock = count()


def _session() -> Any:
    return db.session


def next_time() -> datetime:
    """Strictly increasing timestamps, so "newest first" is deterministic."""
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=next(_clock))


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = _session
        sqlalchemy_session_persistence = "flush"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    username_key = factory.LazyAttribute(lambda o: o.username.lower())
    email = factory.LazyAttribute(lambda o: f"{o.username.lower()}@example.test")
    password_hash = _PASSWORD_HASH
    role = Role.AUTHOR.value
    is_active = True

    class Params:
        admin = factory.Trait(role=Role.ADMIN.value)


class TagFactory(BaseFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag{n}")


class ArticleFactory(BaseFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.Sequence(lambda n: f"article-number-{n}")
    description = "What this article is about"
    body = "Some *Markdown* body."
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))
    word_count = factory.LazyAttribute(lambda o: count_words(o.body))
    status = Status.PUBLISHED.value
    author = factory.SubFactory(UserFactory)
    published_at = factory.LazyAttribute(
        lambda o: next_time() if o.status == Status.PUBLISHED.value else None
    )
    created_at = factory.LazyFunction(next_time)
    updated_at = factory.LazyAttribute(lambda o: o.created_at)

    class Params:
        draft = factory.Trait(status=Status.DRAFT.value)

    tags = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class: type[Article], *args: Any, **kwargs: Any) -> Article:
        # Tags may be given by name: ArticleFactory(tags=["python", "flask"]).
        kwargs["tags"] = [_tag(name) if isinstance(name, str) else name for name in kwargs["tags"]]
        return super()._create(model_class, *args, **kwargs)


def _tag(name: str) -> Tag:
    existing = db.session.scalar(select(Tag).where(Tag.name == name))
    return existing or Tag(name=name)


class CommentFactory(BaseFactory):
    class Meta:
        model = Comment

    article = factory.SubFactory(ArticleFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment {n}")
    created_at = factory.LazyFunction(next_time)
    updated_at = factory.LazyAttribute(lambda o: o.created_at)
