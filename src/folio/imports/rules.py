"""Writing what an import brings: articles with their own dates and slugs, comments,
authors without a usable password, old addresses, and the runs with their reports.

Every function flushes and never commits: the runner gives each item its own unit of
work, so one bad post never rolls back the others.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from slugify import slugify
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.accounts import rules as account_rules
from folio.accounts.models import User, username_key
from folio.articles import rules as article_rules
from folio.articles.queries import normalise_tags
from folio.comments.rules import COMMENT_MAX
from folio.core.errors import NotFound, ValidationFailed
from folio.core.events import record
from folio.i18n import N_
from folio.imports.events import ArticleImported, ImportQueued
from folio.imports.items import SourceArticle, SourceAuthor, SourceComment
from folio.imports.models import ImportedItem, ImportRun, LegacyRedirect
from folio.imports.report import TAG_TOO_LONG, TOO_MANY_TAGS
from folio.models import Article, Comment, Status, now_utc

# werkzeug's check_password_hash() is False for a hash without its "method$salt$" form:
# the account exists, and its owner sets a password through the reset link.
UNUSABLE_PASSWORD_PREFIX = "!"  # noqa: S105 - a marker, not a password
PLACEHOLDER_EMAIL = "imported-comments@folio.invalid"
PLACEHOLDER_NAME = "Imported comments"
USERNAME_MAX = 30


# --- what was imported already -----------------------------------------------------------


def find_imported(session: Session, source: str, key: str, kind: str) -> int | None:
    """The id of what ``(source, key)`` became on an earlier run, if it did."""
    return session.scalar(
        select(ImportedItem.target_id).where(
            ImportedItem.source == source[:255],
            ImportedItem.source_key == key[:255],
            ImportedItem.kind == kind,
        )
    )


def remember(session: Session, source: str, key: str, kind: str, target_id: int) -> None:
    session.add(
        ImportedItem(source=source[:255], source_key=key[:255], kind=kind, target_id=target_id)
    )
    session.flush()


# --- authors -------------------------------------------------------------------------------


def unusable_password() -> str:
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(16)


def _free_username(session: Session, wanted: str) -> str:
    base = slugify(wanted, max_length=USERNAME_MAX - 7, separator="-") or "writer"
    base = base if len(base) >= 3 else f"{base}-writer"
    candidate = base
    while account_rules.find_user_by_username(session, candidate) is not None:
        candidate = f"{base}-{secrets.token_hex(3)}"
    return candidate


def _new_account(session: Session, username: str, email: str, name: str | None) -> User:
    user = User(
        username=username,
        username_key=username_key(username),
        email=email,
        password_hash=unusable_password(),
        display_name=(name or None) and (name or "")[:80],
    )
    session.add(user)
    session.flush()
    return user


def author_account(session: Session, source: str, author: SourceAuthor) -> User | None:
    """The account an author's items go to: the one with their email, else a new one
    without a usable password; None when the source gives no usable email."""
    email, problems = account_rules.normalise_email(author.email)
    if problems:
        return None
    existing = account_rules.find_user_by_email(session, email)
    if existing is not None:
        return existing
    username = _free_username(session, author.username or author.name or email.split("@")[0])
    user = _new_account(session, username, email, author.name)
    remember(session, source, author.key or email, "user", user.id)
    return user


def placeholder_commenter(session: Session) -> User:
    """The account imported comments go to when their author has no account here.

    Inactive: nobody signs in as it; each comment names its original author.
    """
    existing = account_rules.find_user_by_email(session, PLACEHOLDER_EMAIL)
    if existing is not None:
        return existing
    user = _new_account(
        session, _free_username(session, "imported-comments"), PLACEHOLDER_EMAIL, PLACEHOLDER_NAME
    )
    user.is_active = False
    session.flush()
    return user


# --- articles ------------------------------------------------------------------------------


def free_slug(session: Session, wanted: str) -> tuple[str, bool]:
    """The source's slug if no article has it, else it with a suffix; and whether it clashed."""
    base = slugify(wanted, max_length=article_rules.SLUG_MAX, word_boundary=True) or "article"
    candidate, clashed = base, False
    while session.scalar(select(Article.id).where(Article.slug == candidate)) is not None:
        clashed = True
        candidate = f"{base}-{secrets.token_hex(3)}"
    return candidate, clashed


def fitting_tags(names: list[str]) -> tuple[list[str], list[str]]:
    """Tags Folio can keep (at most 10, each short enough), and what was left out."""
    tags = normalise_tags(names)
    kept = [tag for tag in tags if len(tag) <= article_rules.TAG_MAX]
    notes = [TAG_TOO_LONG % {"tag": repr(tag[:40])} for tag in tags if tag not in kept]
    if len(kept) > article_rules.TAGS_PER_ARTICLE:
        notes.append(
            TOO_MANY_TAGS
            % {
                "most": article_rules.TAGS_PER_ARTICLE,
                "tags": ", ".join(kept[article_rules.TAGS_PER_ARTICLE :]),
            }
        )
        kept = kept[: article_rules.TAGS_PER_ARTICLE]
    return kept, notes


def _dates(item: SourceArticle) -> tuple[datetime, datetime | None, datetime]:
    created = item.created_at or item.published_at or now_utc()
    published = (item.published_at or created) if item.published else None
    updated = item.updated_at or max(created, published or created)
    return created, published, updated


def import_article(
    session: Session,
    author: User,
    item: SourceArticle,
    *,
    source: str,
    body: str,
    slug: str,
    cover_url: str | None,
) -> Article:
    """Create the article an item describes, with its own dates, slug and status.

    :raises ValidationFailed: a field Folio cannot keep (a body past the limit...).
    """
    tags, _ = fitting_tags(item.tags)
    article = article_rules.create_article(
        session,
        author,
        title=(item.title or item.slug or "Untitled")[: article_rules.TITLE_MAX],
        description=item.description[: article_rules.DESCRIPTION_MAX],
        body=body,
        tags=tags,
        cover_image=cover_url,
    )
    created, published, updated = _dates(item)
    article.slug = slug
    article.status = Status.PUBLISHED.value if published else Status.DRAFT.value
    article.created_at, article.published_at, article.updated_at = created, published, updated
    session.flush()
    remember(session, source, item.key, "article", article.id)
    add_redirects(session, article.id, item.legacy_paths)
    record(session, ArticleImported(article_id=article.id, author_id=author.id))
    return article


def import_comment(
    session: Session, article_id: int, author: User, item: SourceComment, *, source: str
) -> Comment:
    """:raises ValidationFailed: a blank or over-long comment."""
    text = item.body.strip()
    if author.email == PLACEHOLDER_EMAIL:
        text = f"{(item.author_name or 'Someone')[:80]} wrote:\n\n{text}" if text else ""
    if not text:
        raise ValidationFailed({"body": [N_("can't be blank")]})
    if len(text) > COMMENT_MAX:
        raise ValidationFailed({"body": [f"is too long (maximum is {COMMENT_MAX} characters)"]})
    when = item.created_at or now_utc()
    comment = Comment(
        article_id=article_id, author_id=author.id, body=text, created_at=when, updated_at=when
    )
    session.add(comment)
    session.flush()
    remember(session, source, item.key, "comment", comment.id)
    return comment


# --- old addresses -------------------------------------------------------------------------


def normalise_path(path: str) -> str:
    """The form paths are kept and looked up in: a leading slash, no trailing one."""
    path = "/" + path.strip().lstrip("/")
    if "?" not in path and len(path) > 1:
        path = path.rstrip("/") or "/"
    return path[:500]


def add_redirects(session: Session, article_id: int, paths: list[str]) -> None:
    for path in dict.fromkeys(normalise_path(p) for p in paths):
        if path == "/" or path.startswith("/articles/"):
            continue  # never shadow Folio's own pages
        taken = session.scalar(select(LegacyRedirect.id).where(LegacyRedirect.path == path))
        if taken is None:
            session.add(LegacyRedirect(path=path, article_id=article_id))
    session.flush()


def redirect_slug(session: Session, path: str) -> str | None:
    """The slug of the article an old address now lives at, if any."""
    return session.scalar(
        select(Article.slug)
        .join(LegacyRedirect, LegacyRedirect.article_id == Article.id)
        .where(LegacyRedirect.path == normalise_path(path))
    )


# --- runs ------------------------------------------------------------------------------------


def create_run(
    session: Session, owner: User, *, format: str, filename: str, report: dict[str, Any]
) -> ImportRun:
    run = ImportRun(
        owner_id=owner.id,
        format=format,
        filename=filename[:255],
        status="planned",
        total=len(report.get("items", [])),
        counts=report.get("counts", {}),
        report=report,
    )
    session.add(run)
    session.flush()
    return run


def get_own_run(session: Session, owner: User, run_id: int) -> ImportRun:
    """:raises NotFound: no such run, or someone else's."""
    run = session.get(ImportRun, run_id) if 0 < run_id < 2**31 else None
    if run is None or run.owner_id != owner.id:
        raise NotFound("import")
    return run


def list_own_runs(session: Session, owner: User, limit: int = 10) -> list[ImportRun]:
    return list(
        session.scalars(
            select(ImportRun)
            .where(ImportRun.owner_id == owner.id)
            .order_by(ImportRun.created_at.desc(), ImportRun.id.desc())
            .limit(limit)
        )
    )


def queue_run(session: Session, run: ImportRun) -> bool:
    """Mark a run to start; False if it is already under way or done without failures."""
    if run.status in ("queued", "running") or (
        run.status == "done" and not run.counts.get("failed")
    ):
        return False
    run.status, run.done, run.finished_at = "queued", 0, None
    session.flush()
    record(session, ImportQueued(run_id=run.id))
    return True


def record_progress(
    session: Session, run_id: int, *, status: str, done: int, report: dict[str, Any]
) -> None:
    run = session.get(ImportRun, run_id)
    if run is None:
        return
    run.status, run.done, run.report = status, done, report
    run.counts = report.get("counts", {})
    run.total = max(run.total, done)
    if status in ("done", "failed"):
        run.finished_at = now_utc()
    session.flush()
