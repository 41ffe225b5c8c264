"""Running an import (or its dry run) for every face: the page's task and the command.

Reads the file (:mod:`detect`), then takes the items one at a time, each in its own unit
of work: images first (through the media pipeline, so the same processing and quota
apply; remote ones through :func:`folio.core.outbound.fetch`), then the article, its old
addresses and its comments. A failed item is reported and the others go on; a refused or
failed image is a warning on its item. Running a file again skips what it created.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app

from folio.accounts import rules as account_rules
from folio.accounts.models import User
from folio.core.errors import DomainError
from folio.core.outbound import OutboundPolicy, OutboundRefused, fetch
from folio.core.uow import current_session, unit_of_work
from folio.errors import DependencyUnavailable
from folio.imports import report, rules
from folio.imports.detect import ZipLimits, read_source
from folio.imports.items import (
    SourceArchive,
    SourceArticle,
    SourceComment,
    archive_paths,
    image_references,
    replace_images,
)
from folio.imports.report import CREATED, FAILED, SKIPPED, Report, ReportLine
from folio.media.models import MediaKind
from folio.media.uploads import public_url, receive
from folio.media.variants import key_of_url, media_path

log = logging.getLogger(__name__)
Progress = Callable[[int, Report], None]
# What a dry run's article "becomes": its comments will be created with it.
PLANNED = 0


def zip_limits() -> ZipLimits:
    config = current_app.config
    return ZipLimits(
        max_total=int(config["IMPORT_MAX_UNPACKED_BYTES"]),
        max_ratio=int(config["IMPORT_MAX_RATIO"]),
    )


def read_file(data: bytes) -> SourceArchive:
    """:raises ImportRefused: the file is none of the formats, or hostile."""
    return read_source(data, zip_limits())


@dataclass
class _Run:
    archive: SourceArchive
    actor: User
    # An administrator's import (and the command) maps authors to accounts; a writer's
    # own import makes every item theirs.
    map_authors: bool
    dry_run: bool
    report: Report
    authors: dict[str, int] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)
    # Slugs this dry run has handed out already (nothing is written to find them).
    planned_slugs: set[str] = field(default_factory=set)


def run_import(
    archive: SourceArchive,
    actor: User,
    *,
    map_authors: bool,
    dry_run: bool,
    on_progress: Progress | None = None,
) -> Report:
    """Import (or plan) every item of ``archive``; the report lists each one."""
    run = _Run(archive, actor, map_authors, dry_run, Report(archive.format, dry_run))
    run.report.warnings.extend(archive.warnings)
    comments: dict[str, list[SourceComment]] = {}
    for comment in archive.comments:
        comments.setdefault(comment.article_key, []).append(comment)
    done = 0
    for item in archive.articles:
        article_id = _one_article(run, item)
        done += 1
        for comment in comments.pop(item.key, []):
            _one_comment(run, comment, article_id)
            done += 1
        if on_progress is not None:
            on_progress(done, run.report)
    for orphans in comments.values():
        for comment in orphans:
            run.report.add(_comment_line(comment, SKIPPED, report.ARTICLE_NOT_IN_FILE))
    return run.report


# --- articles ------------------------------------------------------------------------------


def _one_article(run: _Run, item: SourceArticle) -> int | None:
    line = run.report.add(ReportLine("article", item.key, item.title or item.slug, CREATED))
    line.messages.extend(item.warnings)
    session = current_session()
    existing = rules.find_imported(session, run.archive.source, item.key, "article")
    if existing is not None:
        line.outcome = SKIPPED
        line.note(report.ALREADY_IMPORTED)
        return existing
    if item.error is not None:
        line.outcome = FAILED
        line.note(report.CANNOT_BE_IMPORTED, error=item.error)
        return None
    try:
        return _create_article(run, item, line)
    except DomainError as error:
        # Its unit of work rolled back: nothing of this item is left.
        line.outcome = FAILED
        line.note(error.message)
    except Exception:
        log.exception("importing %s %s failed", run.archive.source, item.key)
        line.outcome = FAILED
        line.note(report.FAILED_UNEXPECTEDLY)
    return None


def _slug(run: _Run, item: SourceArticle, line: ReportLine) -> str:
    slug, clashed = rules.free_slug(current_session(), item.slug or item.title)
    if run.dry_run and slug in run.planned_slugs:
        slug, clashed = f"{slug}-2", True
    run.planned_slugs.add(slug)
    if clashed:
        line.note(report.SLUG_TAKEN, wanted=repr(item.slug), slug=repr(slug))
    return slug


def _create_article(run: _Run, item: SourceArticle, line: ReportLine) -> int | None:
    tags, notes = rules.fitting_tags(item.tags)
    for note in notes:
        line.note(note)
    author = _author(run, item, line)
    line.slug = _slug(run, item, line)
    if run.dry_run:
        for reference in _foreign_images(item):
            line.note(report.IMAGE_PLANNED, image=reference[:120])
        return PLANNED
    body = replace_images(
        item.body,
        {
            ref: url
            for ref in image_references(item.body)
            if (url := _image(run, item, ref, author, line))
        },
    )
    cover = _image(run, item, item.cover, author, line) if item.cover else None
    with unit_of_work() as uow:
        article = rules.import_article(
            uow.session,
            author,
            item,
            source=run.archive.source,
            body=body,
            slug=line.slug,
            cover_url=cover,
        )
        article_id = article.id
    return article_id


def _author(run: _Run, item: SourceArticle, line: ReportLine) -> User:
    if not run.map_authors or not item.author_key:
        return run.actor
    source_author = run.archive.authors.get(item.author_key)
    if item.author_key.lower() == run.actor.username.lower() and source_author is None:
        return run.actor  # a writer's own export, imported by them
    if source_author is None or not source_author.email:
        line.note(report.AUTHOR_WITHOUT_EMAIL, author=repr(item.author_key))
        return run.actor
    known = run.authors.get(item.author_key)
    session = current_session()
    if known is not None:
        return session.get(User, known) or run.actor
    if run.dry_run:
        found = account_rules.find_user_by_email(session, source_author.email)
        if found is None:
            line.note(report.ACCOUNT_PLANNED, email=source_author.email)
        return found or run.actor
    with unit_of_work() as uow:
        user = rules.author_account(uow.session, run.archive.source, source_author)
    if user is None:
        line.note(report.AUTHOR_UNUSABLE_EMAIL, author=repr(item.author_key))
        return run.actor
    run.authors[item.author_key] = user.id
    return user


# --- images --------------------------------------------------------------------------------


def _foreign_images(item: SourceArticle) -> list[str]:
    references = image_references(item.body) + ([item.cover] if item.cover else [])
    return [ref for ref in dict.fromkeys(references) if key_of_url(ref) is None]


def _image(
    run: _Run, item: SourceArticle, reference: str, author: User, line: ReportLine
) -> str | None:
    """The Folio address of an image the item names, imported as the author's upload;
    None (and a warning on the item) when it cannot be had."""
    if key_of_url(reference) is not None:
        return reference
    cached = run.images.get(f"{author.id}:{item.base_path}:{reference}")
    if cached is not None:
        return cached
    data = _image_bytes(run, item, reference, line)
    if data is None:
        return None
    try:
        media = receive(author, data, posixpath.basename(urlsplit(reference).path), MediaKind.IMAGE)
    except (DomainError, DependencyUnavailable) as error:
        line.note(report.IMAGE_NOT_IMPORTED, image=reference[:120], error=str(error))
        return None
    # The address an upload from the editor gets: the site's public one.
    url = public_url(media.original_key) or media_path(media.original_key)
    run.images[f"{author.id}:{item.base_path}:{reference}"] = url
    return url


def _image_bytes(run: _Run, item: SourceArticle, reference: str, line: ReportLine) -> bytes | None:
    if reference.startswith(("http://", "https://")):
        return _fetch_image(reference, line)
    if "__GHOST_URL__" in reference:
        line.note(report.IMAGE_NOT_IN_GHOST, image=reference[:120])
        return None
    for path in archive_paths(item.base_path, reference):
        data = run.archive.read_file(path)
        if data is not None:
            return data
    line.note(report.IMAGE_NOT_IN_ARCHIVE, image=reference[:120])
    return None


def _fetch_image(url: str, line: ReportLine) -> bytes | None:
    config = current_app.config
    policy = OutboundPolicy.from_config(config)
    policy = OutboundPolicy(
        allow_private=policy.allow_private,
        connect_timeout=policy.connect_timeout,
        read_timeout=policy.read_timeout,
        total_timeout=policy.total_timeout,
        max_bytes=int(config["MEDIA_MAX_BYTES"]),
    )
    try:
        response = fetch(url, policy)
    except OutboundRefused as refused:
        line.note(report.IMAGE_NOT_FETCHED, image=url[:120], error=str(refused))
        return None
    if response.status != 200:
        line.note(report.IMAGE_ANSWERED, image=url[:120], status=response.status)
        return None
    return response.body


# --- comments ------------------------------------------------------------------------------


def _comment_line(comment: SourceComment, outcome: str, message: str) -> ReportLine:
    title = report.comment_title(comment.author_name or comment.author_username)
    return ReportLine("comment", comment.key, title, outcome, [message] if message else [])


def _one_comment(run: _Run, comment: SourceComment, article_id: int | None) -> None:
    line = run.report.add(_comment_line(comment, CREATED, ""))
    session = current_session()
    if rules.find_imported(session, run.archive.source, comment.key, "comment") is not None:
        line.outcome = SKIPPED
        line.note(report.ALREADY_IMPORTED)
        return
    if article_id is None:
        line.outcome = SKIPPED if run.dry_run else FAILED
        if not run.dry_run:
            line.note(report.ARTICLE_NOT_IMPORTED)
        return
    if run.dry_run:
        return
    try:
        with unit_of_work() as uow:
            author = _commenter(comment)
            rules.import_comment(
                uow.session, article_id, author, comment, source=run.archive.source
            )
    except DomainError as error:
        line.outcome = FAILED
        line.note(error.message)


def _commenter(comment: SourceComment) -> User:
    """The account with the commenter's email, else the placeholder (see README)."""
    session = current_session()
    email, problems = account_rules.normalise_email(comment.author_email)
    found = None if problems else account_rules.find_user_by_email(session, email)
    return found or rules.placeholder_commenter(session)
