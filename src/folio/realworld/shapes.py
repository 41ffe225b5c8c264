"""RealWorld response shapes, built from models and service results."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from folio.articles.queries import ArticleListing, ArticleView
from folio.media.uploads import public_url
from folio.models import Comment, User


def timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, as JavaScript's ``toISOString``."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def image(account: User) -> str | None:
    """An uploaded avatar's absolute URL, else the image URL the user gave, else null."""
    return _image(account.avatar_key, account.image_url)


def _image(avatar_key: str | None, image_url: str | None) -> str | None:
    return public_url(avatar_key) or image_url or None


def user(account: User, token: str) -> dict[str, Any]:
    return {
        "user": {
            "email": account.email,
            "token": token,
            "username": account.username,
            "bio": account.bio or None,
            "image": image(account),
        }
    }


def profile(account: User, following: bool) -> dict[str, Any]:
    return {
        "username": account.username,
        "bio": account.bio or None,
        "image": image(account),
        "following": following,
    }


def article(listing: ArticleListing | ArticleView, *, with_body: bool = True) -> dict[str, Any]:
    """An article with its body (unless not ``with_body``), from a listing of ORM
    entities (after a write) or from the read model a single read builds (one document)."""
    if isinstance(listing, ArticleView):
        document = article_summary(listing)
        if with_body:
            document["body"] = listing.body
        return document
    item = listing.article
    data: dict[str, Any] = {
        "slug": item.slug,
        "title": item.title,
        "description": item.description,
        "tagList": item.tag_names,
        # RealWorld has no drafts: an article's life there starts when it is published.
        "createdAt": timestamp(item.published_at or item.created_at),
        "updatedAt": timestamp(item.updated_at),
        "favorited": listing.favorited,
        "favoritesCount": item.favorites_count,
        "author": profile(item.author, listing.following),
    }
    if with_body:
        data["body"] = item.body
    return data


def article_summary(view: ArticleView) -> dict[str, Any]:
    """A list's entry (no body), from the read model a list query builds: the same
    document as ``article(listing, with_body=False)``."""
    author = view.author
    return {
        "slug": view.slug,
        "title": view.title,
        "description": view.description,
        "tagList": list(view.tags),
        "createdAt": timestamp(view.published_at or view.created_at),
        "updatedAt": timestamp(view.updated_at),
        "favorited": view.favorited,
        "favoritesCount": view.favorites_count,
        "author": {
            "username": author.username,
            "bio": author.bio or None,
            "image": _image(author.avatar_key, author.image_url),
            "following": author.following,
        },
    }


def comment(item: Comment, following: bool) -> dict[str, Any]:
    return {
        "id": item.id,
        "createdAt": timestamp(item.created_at),
        "updatedAt": timestamp(item.updated_at),
        "body": item.body,
        "author": profile(item.author, following),
    }
