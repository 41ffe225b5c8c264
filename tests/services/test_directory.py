"""Site-wide listings: the admin's users, the sitemap's entries."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from folio.accounts import queries as directory
from folio.core.errors import Forbidden, NotFound
from tests.factories import ArticleFactory, UserFactory


def test_list_users_is_for_admins_and_paged(session: Session) -> None:
    admin = UserFactory(admin=True)
    UserFactory.create_batch(3)
    page = directory.list_users(session, admin, limit=2, offset=0)
    assert page.total == 4
    assert len(page.items) == 2
    with pytest.raises(Forbidden):
        directory.list_users(session, UserFactory())


def test_get_user_finds_inactive_accounts_for_admins(session: Session) -> None:
    admin = UserFactory(admin=True)
    off = UserFactory(is_active=False)
    assert directory.get_user(session, admin, off.id) is off
    with pytest.raises(NotFound):
        directory.get_user(session, admin, 999_999)
    with pytest.raises(Forbidden):
        directory.get_user(session, UserFactory(), off.id)


def test_sitemap_entries_leave_out_drafts_and_inactive_authors(session: Session) -> None:
    author = UserFactory(username="shown")
    ArticleFactory(slug="public", author=author)
    ArticleFactory(slug="private", draft=True, author=UserFactory(username="drafts-only"))
    ArticleFactory(slug="gone", author=UserFactory(username="inactive", is_active=False))
    slugs = [slug for slug, _ in directory.published_articles(session)]
    assert "public" in slugs
    assert "private" not in slugs
    authors = directory.public_authors(session)
    assert "shown" in authors
    assert "drafts-only" not in authors
    assert "inactive" not in authors
