"""Who may see and change an article: one rule for every face."""

from __future__ import annotations

from folio.models import Article, Status, User


def can_view(viewer: User | None, article: Article) -> bool:
    """Drafts are visible to their author and to admins only."""
    return can_view_row(viewer, article.status, article.author_id)


def can_view_row(viewer: User | None, status: str, author_id: int) -> bool:
    """:func:`can_view` of an article read as columns (a read model), not an entity."""
    if status == Status.PUBLISHED.value:
        return True
    return viewer is not None and (viewer.id == author_id or viewer.is_admin)


def can_edit(viewer: User | None, article: Article) -> bool:
    return viewer is not None and viewer.id == article.author_id


def can_delete(viewer: User | None, article: Article) -> bool:
    return viewer is not None and (viewer.id == article.author_id or viewer.is_admin)


def can_unpublish(viewer: User | None, article: Article) -> bool:
    return can_delete(viewer, article)
