"""Helpers for the RealWorld request tests.

Data is written in an app context of its own and committed (a savepoint under the per-test
transaction), so no context stays open while the client makes requests; helpers hand back
plain values, never ORM objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from folio.auth.tokens import issue_access_token
from folio.extensions import db
from folio.models import User
from tests.factories import ArticleFactory, UserFactory
from tests.realworld.helpers import Account


@pytest.fixture
def in_app(app: Flask) -> Callable[[Callable[[], Any]], Any]:
    """Run ``fn`` in a fresh app context, commit, and return its (plain) result."""

    def run(fn: Callable[[], Any]) -> Any:
        with app.app_context():
            result = fn()
            db.session.commit()
            return result

    return run


@pytest.fixture
def make_user(in_app: Callable[..., Any]) -> Callable[..., Account]:
    def make(**fields: Any) -> Account:
        def create() -> Account:
            user = UserFactory(**fields)
            return Account(user.id, user.username, user.email, issue_access_token(user))

        return in_app(create)

    return make


@pytest.fixture
def make_article(in_app: Callable[..., Any]) -> Callable[..., str]:
    """``make_article(author_account, **factory_fields)`` -> the new article's slug."""

    def make(author: Account, **fields: Any) -> str:
        def create() -> str:
            article = ArticleFactory(author=db.session.get(User, author.id), **fields)
            return article.slug

        return in_app(create)

    return make


@pytest.fixture
def alice(make_user: Callable[..., Account]) -> Account:
    return make_user(username="alice", email="alice@example.com")


@pytest.fixture
def bob(make_user: Callable[..., Account]) -> Account:
    return make_user(username="bob", email="bob@example.com")
