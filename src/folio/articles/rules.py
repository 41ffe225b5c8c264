"""Writing articles: create, update, publish, unpublish, delete; tags and favorites.

Each rule checks permissions (``permissions``), validates, changes rows, flushes and
records the domain event; the unit of work commits and dispatches it.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable, Sequence
from typing import TypedDict

from slugify import slugify
from sqlalchemy import (
    Delete,
    Integer,
    Select,
    String,
    Update,
    and_,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from folio.articles import events as article_events
from folio.articles import revisions
from folio.articles.markdown import render_markdown
from folio.articles.permissions import can_delete, can_edit, can_unpublish, can_view
from folio.articles.queries import is_favorited, normalise_tags
from folio.articles.reading import count_words
from folio.core.errors import Forbidden, NotFound, ValidationFailed
from folio.core.events import record
from folio.i18n import N_, language_tag
from folio.media import rules as media
from folio.models import (
    Article,
    Favorite,
    Status,
    Tag,
    User,
    now_utc,
)

TITLE_MAX = 200
DESCRIPTION_MAX = 500
BODY_MAX = 1_000_000  # characters of Markdown
TAG_MAX = 64
TAGS_PER_ARTICLE = 10
SLUG_MAX = 80
BLANK = N_("can't be blank")
# Messages with a number in them: "%(count)d" is the limit, and pages translate the
# message as this template (folio.i18n.messages.translated).
TOO_MANY_TAGS = N_("has too many tags (maximum is %(count)d)")
TAG_TOO_LONG = N_("has a tag that is too long (maximum is %(count)d characters)")
TOO_LONG = N_("is too long (maximum is %(count)d characters)")
TEMPLATES = (TOO_MANY_TAGS, TAG_TOO_LONG, TOO_LONG)


class ArticleChanges(TypedDict, total=False):
    title: str | None
    description: str | None
    body: str | None
    tags: Sequence[str] | None
    # The URL of one of the writer's uploaded images (as POST /media answers), or None.
    cover_image: str | None
    # "Also send by email": mail the article to its newsletter when it is published.
    send_email: bool
    # The language it is written in (a BCP 47 tag), or None for the site's.
    language: str | None


def _render_body(session: Session, body: str) -> tuple[str, list[int]]:
    """The body's HTML, Folio's uploads drawn as responsive pictures, and their ids."""
    found = media.media_in_text(session, body)
    pictures = {key: media.picture_of(upload) for key, upload in found.items()}
    return render_markdown(body, pictures), [upload.id for upload in found.values()]


def preview_html(session: Session, body: str) -> str:
    """The body as readers will see it, uploads drawn: the editor's preview."""
    return _render_body(session, body)[0]


def _drawn_uploads(article: Article, body_media: list[int]) -> list[int]:
    return body_media + ([article.cover_id] if article.cover_id is not None else [])


def _tag_problems(tags: list[str]) -> list[str]:
    if len(tags) > TAGS_PER_ARTICLE:
        return [TOO_MANY_TAGS % {"count": TAGS_PER_ARTICLE}]
    if any(len(tag) > TAG_MAX for tag in tags):
        return [TAG_TOO_LONG % {"count": TAG_MAX}]
    return []


def _text_problems(value: str, maximum: int, *, required: bool) -> list[str]:
    if required and not value.strip():
        return [BLANK]
    if len(value) > maximum:
        return [TOO_LONG % {"count": maximum}]
    return []


def _unique_slug(session: Session, title: str, exclude_id: int | None = None) -> str:
    base = slugify(title, max_length=SLUG_MAX, word_boundary=True) or "article"
    candidate = base
    clash = _slug_clash(exclude_id is not None)
    while True:
        if session.scalar(clash, {"slug": candidate, "exclude_id": exclude_id}) is None:
            return candidate
        # A short random suffix keeps duplicate titles apart without counting rows.
        candidate = f"{base}-{secrets.token_hex(3)}"


def _tags_by_name(session: Session, names: list[str]) -> list[Tag]:
    if not names:
        return []
    existing = {t.name: t for t in session.scalars(_tags_named(), {"names": names})}
    tags = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
        tags.append(tag)
    return tags


@functools.cache
def _slug_clash(excluding: bool) -> Select[int]:
    # Built once, as the statements below: every article written asks it.
    clash = select(Article.id).where(Article.slug == bindparam("slug", type_=String))
    if excluding:
        clash = clash.where(Article.id != bindparam("exclude_id", type_=Integer))
    return clash


@functools.cache
def _tags_named() -> Select[Tag]:
    return select(Tag).where(Tag.name.in_(bindparam("names", expanding=True)))


def _validate(
    title: str, description: str, body: str, tags: list[str], *, publishing: bool
) -> None:
    errors: dict[str, list[str]] = {}
    if problems := _text_problems(title, TITLE_MAX, required=True):
        errors["title"] = problems
    if problems := _text_problems(description, DESCRIPTION_MAX, required=publishing):
        errors["description"] = problems
    if problems := _text_problems(body, BODY_MAX, required=publishing):
        errors["body"] = problems
    if problems := _tag_problems(tags):
        errors["tags"] = problems
    if errors:
        raise ValidationFailed(errors)


def validate_fields(
    title: str, description: str, body: str, tags: list[str], *, publishing: bool
) -> None:
    """The article's field rules, for writes kept beside the article (a pending edit).

    :raises ValidationFailed: with every bad field named.
    """
    _validate(title, description, body, tags, publishing=publishing)


# --- writing ------------------------------------------------------------------------------


def create_article(
    session: Session,
    actor: User,
    *,
    title: str | None,
    description: str | None,
    body: str | None,
    tags: Iterable[str] | None = None,
    publish: bool = False,
    cover_image: str | None = None,
    editing_session: str | None = None,
    send_email: bool = True,
    language: str | None = None,
) -> Article:
    """Write a new article, as a draft or published at once.

    Drafts need only a title; publishing needs a title, a description and a body.
    ``editing_session``: the editor's autosave created it, and later autosaves of that
    session coalesce into its first revision.

    :raises ValidationFailed: with every bad field named.
    """
    title, description, body = (title or "").strip(), (description or "").strip(), body or ""
    tag_names = normalise_tags(tags or [])
    _validate(title, description, body, tag_names, publishing=publish)
    written_in = checked_language(language)
    cover = media.own_cover(session, actor, cover_image)
    body_html, body_media = _render_body(session, body)
    now = now_utc()
    article = Article(
        slug=_unique_slug(session, title),
        title=title,
        description=description,
        body=body,
        body_html=body_html,
        word_count=count_words(body),
        cover=cover,
        send_email=bool(send_email),
        language=written_in,
        author=actor,
        tags=_tags_by_name(session, tag_names),
        status=Status.PUBLISHED.value if publish else Status.DRAFT.value,
        published_at=now if publish else None,
        created_at=now,
        updated_at=now,
    )
    session.add(article)
    session.flush()
    drawn = _drawn_uploads(article, body_media)
    media.record_usage(session, article.id, drawn, new_article=True)
    record(session, article_events.ArticleCreated(article_id=article.id, author_id=actor.id))
    kind = "publish" if publish else "autosave" if editing_session else "save"
    revisions.keep_revision(session, article, actor, kind, editing_session, first=True)
    if publish:
        record(session, article_events.ArticlePublished(article_id=article.id, author_id=actor.id))
    return article


def update_article(
    session: Session,
    actor: User,
    article: Article,
    changes: ArticleChanges,
    *,
    revision_kind: str | None = "save",
    editing_session: str | None = None,
) -> Article:
    """Change an article (its author only). Keys absent from ``changes`` stay as they are.

    A draft's slug follows its title; once an article has been published, its slug
    never changes, so links to it keep working.

    :raises Forbidden: the actor is not the author.
    :raises ValidationFailed: with every bad field named (``tags=None`` is invalid: pass
        ``[]`` to remove them all).

    ``revision_kind``: the revision this change keeps (None: the caller keeps its own);
    an ``"autosave"`` coalesces with the newest one of the same ``editing_session``.
    """
    if not can_edit(actor, article):
        raise Forbidden("article")
    if "tags" in changes and changes["tags"] is None:
        raise ValidationFailed({"tags": [N_("must be a list (use [] to remove all tags)")]})
    title = (changes.get("title") or "").strip() if "title" in changes else article.title
    description = (
        (changes.get("description") or "").strip()
        if "description" in changes
        else article.description
    )
    body = (changes.get("body") or "") if "body" in changes else article.body
    tag_names = normalise_tags(changes.get("tags") or []) if "tags" in changes else None
    # A scheduled draft must stay publishable, or its moment would come to nothing.
    publishable = article.is_published or article.publish_at is not None
    _validate(title, description, body, tag_names or [], publishing=publishable)
    _apply_settings(session, actor, article, changes)
    if title != article.title:
        article.title = title
        if article.published_at is None:
            article.slug = _unique_slug(session, title, exclude_id=article.id)
    article.description = description
    # Re-rendered on every save: an upload the body draws may have been deleted since.
    article.body = body
    article.body_html, body_media = _render_body(session, body)
    article.word_count = count_words(body)
    if tag_names is not None:
        article.tags = _tags_by_name(session, tag_names)
    _touch(article)
    session.flush()
    media.record_usage(session, article.id, _drawn_uploads(article, body_media))
    if revision_kind is not None:
        revisions.keep_revision(session, article, actor, revision_kind, editing_session)
    record(
        session, article_events.ArticleUpdated(article_id=article.id, author_id=article.author_id)
    )
    return article


def _apply_settings(
    session: Session, actor: User, article: Article, changes: ArticleChanges
) -> None:
    """The cover, the email switch and the language, when ``changes`` names them."""
    if "cover_image" in changes:
        cover = media.own_cover(session, actor, changes.get("cover_image"))
        article.cover_id = cover.id if cover is not None else None
        article.cover = cover
    if "send_email" in changes:
        article.send_email = bool(changes["send_email"])
    if "language" in changes:
        article.language = checked_language(changes.get("language"))


def checked_language(value: str | None) -> str | None:
    """An article's language tag, tidied; blank means none (the site's language).

    :raises ValidationFailed: on ``language`` when it is not a BCP 47 tag.
    """
    if value is None or not value.strip():
        return None
    tag = language_tag(value)
    if tag is None:
        raise ValidationFailed({"language": [N_("is not a language tag such as en, de or pt-BR")]})
    return tag


def _touch(article: Article) -> None:
    article.updated_at = now_utc()
    article.version = (article.version or 0) + 1


def check_publishable(article: Article) -> None:
    """:raises ValidationFailed: the article lacks what publishing needs."""
    _validate(article.title, article.description, article.body, article.tag_names, publishing=True)


def publish_article(session: Session, actor: User, article: Article) -> Article:
    """Publish a draft (its author only). Publishing needs a description and a body."""
    if not can_edit(actor, article):
        raise Forbidden("article")
    if article.is_published:
        return article
    check_publishable(article)
    article.status = Status.PUBLISHED.value
    # Published now, by hand or by the schedule: no moment is left to wait for.
    article.publish_at = None
    if article.published_at is None:
        article.published_at = now_utc()
    _touch(article)
    session.flush()
    revisions.keep_revision(session, article, actor, "publish")
    record(
        session, article_events.ArticlePublished(article_id=article.id, author_id=article.author_id)
    )
    return article


def unpublish_article(session: Session, actor: User, article: Article) -> Article:
    """Return an article to drafts (its author or an admin). The slug is kept."""
    if not can_unpublish(actor, article):
        raise Forbidden("article")
    if article.is_published:
        article.status = Status.DRAFT.value
        _touch(article)
        session.flush()
        record(
            session,
            article_events.ArticleUnpublished(article_id=article.id, author_id=article.author_id),
        )
    return article


def delete_article(session: Session, actor: User, article: Article) -> None:
    """Delete an article with its comments and favorites (its author or an admin)."""
    if not can_delete(actor, article):
        raise Forbidden("article")
    deleted = article_events.ArticleDeleted(
        article_id=article.id, author_id=article.author_id, slug=article.slug
    )
    session.delete(article)
    session.flush()
    record(session, deleted)


# --- favorites ----------------------------------------------------------------------------


def favorite_article(session: Session, actor: User, article: Article) -> Article:
    """Mark an article as a favorite; doing it twice changes nothing."""
    if not can_view(actor, article):
        raise NotFound("article")
    if is_favorited(session, actor, article):
        return article
    session.add(Favorite(user_id=actor.id, article_id=article.id))
    # Counted in the database, not in Python, so concurrent favorites do not lose updates.
    counted = session.execute(_favorites_counted(1), {"article_id": article.id})
    _set_favorites_count(session, article, counted.scalar_one_or_none())
    record(
        session,
        article_events.ArticleFavorited(
            article_id=article.id, author_id=article.author_id, user_id=actor.id
        ),
    )
    return article


def unfavorite_article(session: Session, actor: User, article: Article) -> Article:
    """Remove a favorite; removing one that is not there changes nothing."""
    if not can_view(actor, article):
        raise NotFound("article")
    params = {"user_id": actor.id, "article_id": article.id}
    removed = session.execute(_favorite_removed(), params)
    count = None
    if getattr(removed, "rowcount", 0):
        counted = session.execute(_favorites_counted(-1), params)
        count = counted.scalar_one_or_none()
        record(
            session,
            article_events.ArticleUnfavorited(
                article_id=article.id, author_id=article.author_id, user_id=actor.id
            ),
        )
    _set_favorites_count(session, article, count)
    return article


# Built once, like the other statements of a frequent write: building them and their cache
# keys cost more than running them.
@functools.cache
def _favorites_counted(step: int) -> Update:
    """Add ``step`` (1 or -1) to an article's favorites count, returning the new count; a
    count never goes below zero."""
    article_id = Article.id == bindparam("article_id", type_=Integer)
    if step > 0:
        where, count = article_id, Article.favorites_count + step
    else:
        where, count = and_(article_id, Article.favorites_count > 0), Article.favorites_count - 1
    return (
        update(Article)
        .where(where)
        .values(favorites_count=count)
        .returning(Article.favorites_count)
        .execution_options(synchronize_session=False)
    )


@functools.cache
def _favorite_removed() -> Delete:
    return delete(Favorite).where(
        Favorite.user_id == bindparam("user_id", type_=Integer),
        Favorite.article_id == bindparam("article_id", type_=Integer),
    )


def _set_favorites_count(session: Session, article: Article, count: int | None) -> None:
    # The count the UPDATE returned (RETURNING: no second statement to read it back);
    # without one (nothing changed), the count is read again as before.
    session.flush()
    if count is None:
        session.refresh(article, ["favorites_count"])
    else:
        set_committed_value(article, "favorites_count", count)
