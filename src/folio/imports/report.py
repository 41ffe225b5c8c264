"""What an import did (or, in a dry run, would do) with every item: the page, the JSON
status and the command show the same report.

The report keeps its messages in English (the command and the JSON show them as they
are); the reasons below are worded here, marked for the catalogs, and
:func:`reason_words` gives the page a message in the reader's language (matching it back
to its wording, so reports stored before a translation existed are translated too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from folio.i18n import N_, template_pattern

CREATED, SKIPPED, FAILED = "created", "skipped", "failed"
DRY_RUN_WORDS = {CREATED: "will be created", SKIPPED: "will be skipped", FAILED: "will fail"}

# --- the reasons an import gives (what the items' notes and the warnings say) -----------
ALREADY_IMPORTED = N_("skipped: already imported")
CANNOT_BE_IMPORTED = N_("cannot be imported: %(error)s")
FAILED_UNEXPECTEDLY = N_(
    "failed unexpectedly (the server log has the details); run the import again"
)
SLUG_TAKEN = N_("the slug %(wanted)s is taken by another article: this one gets %(slug)s")
IMAGE_PLANNED = N_("image %(image)s will be imported")
IMAGE_NOT_IMPORTED = N_("image %(image)s was not imported: %(error)s")
IMAGE_NOT_IN_GHOST = N_("image %(image)s is not in a Ghost export: left as it was")
IMAGE_NOT_IN_ARCHIVE = N_("image %(image)s is not in the archive: left as it was")
IMAGE_NOT_FETCHED = N_("image %(image)s was not fetched: %(error)s")
IMAGE_ANSWERED = N_("image %(image)s was not fetched: the server answered %(status)s")
AUTHOR_WITHOUT_EMAIL = N_("author %(author)s has no email in the file: imported as yours")
AUTHOR_UNUSABLE_EMAIL = N_("author %(author)s has no usable email: imported as yours")
ACCOUNT_PLANNED = N_("an account will be made for %(email)s (no password)")
ARTICLE_NOT_IN_FILE = N_("its article is not in this file")
ARTICLE_NOT_IMPORTED = N_("its article was not imported")
TAG_TOO_LONG = N_("tag %(tag)s... is too long and was left out")
TOO_MANY_TAGS = N_("only %(most)s tags are kept: %(tags)s left out")
GHOST_CONTENT_LEFT_OUT = N_("Ghost content %(what)s is not supported and was left out")
GHOST_STATUS_AS_DRAFT = N_("Ghost status %(status)s is imported as a draft")
STOPPED_PART_WAY = N_("The import stopped part-way; run it again to finish it.")
COMMENT_BY = N_("by %(author)s")
BY_SOMEONE = N_("by someone")

REASONS = (
    ALREADY_IMPORTED,
    CANNOT_BE_IMPORTED,
    FAILED_UNEXPECTEDLY,
    SLUG_TAKEN,
    IMAGE_PLANNED,
    IMAGE_NOT_IMPORTED,
    IMAGE_NOT_IN_GHOST,
    IMAGE_NOT_IN_ARCHIVE,
    IMAGE_NOT_FETCHED,
    IMAGE_ANSWERED,
    AUTHOR_WITHOUT_EMAIL,
    AUTHOR_UNUSABLE_EMAIL,
    ACCOUNT_PLANNED,
    ARTICLE_NOT_IN_FILE,
    ARTICLE_NOT_IMPORTED,
    TAG_TOO_LONG,
    TOO_MANY_TAGS,
    GHOST_CONTENT_LEFT_OUT,
    GHOST_STATUS_AS_DRAFT,
    STOPPED_PART_WAY,
)
# Values that are messages themselves (an error's), translated in turn.
_NESTED = frozenset({"error"})


# The most specific wording first: "was not fetched: the server answered 404" before
# "was not fetched: <anything>".
_PATTERNS = sorted(
    ((wording, template_pattern(wording)) for wording in REASONS if "%(" in wording),
    key=lambda found: -len(re.sub(r"%\(\w+\)s", "", found[0])),
)


def reason_words(message: str, translate: Callable[..., str]) -> str:
    """``message`` (an English reason, or a whole sentence marked elsewhere) in the
    language ``translate`` (gettext) speaks; unknown messages come back as they are."""
    for wording, pattern in _PATTERNS:
        found = pattern.match(message)
        if found:
            values = {
                name: translate(value) if name in _NESTED else value
                for name, value in found.groupdict().items()
            }
            return translate(wording, **values)
    return translate(message)


def comment_title(author: str | None) -> str:
    """An imported comment's title in the report: who wrote it."""
    return COMMENT_BY % {"author": author} if author else BY_SOMEONE


_COMMENT_BY = template_pattern(COMMENT_BY)


def comment_title_words(title: str, translate: Callable[..., str]) -> str:
    """A comment's title (``comment_title``) in the language ``translate`` speaks."""
    if title == BY_SOMEONE:
        return translate(BY_SOMEONE)
    found = _COMMENT_BY.match(title)
    return translate(COMMENT_BY, author=found.group("author")) if found else title


@dataclass
class ReportLine:
    kind: str  # "article" or "comment"
    key: str
    title: str
    outcome: str  # created, skipped or failed
    messages: list[str] = field(default_factory=list)
    slug: str | None = None

    def note(self, message: str, **values: Any) -> None:
        """Add a message (once); ``values`` fill in a wording's placeholders."""
        if values:
            message = message % values
        if message not in self.messages:
            self.messages.append(message)


@dataclass
class Report:
    format: str
    dry_run: bool
    lines: list[ReportLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, line: ReportLine) -> ReportLine:
        self.lines.append(line)
        return line

    def counts(self) -> dict[str, int]:
        counted = {CREATED: 0, SKIPPED: 0, FAILED: 0}
        for line in self.lines:
            counted[line.outcome] = counted.get(line.outcome, 0) + 1
        return counted

    @property
    def failed(self) -> bool:
        return any(line.outcome == FAILED for line in self.lines)

    def outcome_words(self, line: ReportLine) -> str:
        return DRY_RUN_WORDS[line.outcome] if self.dry_run else line.outcome

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "dry_run": self.dry_run,
            "warnings": list(self.warnings),
            "counts": self.counts(),
            "items": [asdict(line) for line in self.lines],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        lines = [
            ReportLine(
                kind=str(item.get("kind", "")),
                key=str(item.get("key", "")),
                title=str(item.get("title", "")),
                outcome=str(item.get("outcome", FAILED)),
                messages=[str(m) for m in item.get("messages", [])],
                slug=item.get("slug"),
            )
            for item in data.get("items", [])
        ]
        return cls(
            format=str(data.get("format", "")),
            dry_run=bool(data.get("dry_run", False)),
            lines=lines,
            warnings=[str(w) for w in data.get("warnings", [])],
        )

    def as_text(self) -> str:
        """The report as the command prints it: one line per item, then the totals."""
        heading = "Dry run: nothing was written." if self.dry_run else "Import finished."
        out = [heading]
        out.extend(f"warning: {warning}" for warning in self.warnings)
        for line in self.lines:
            where = f" -> /articles/{line.slug}" if line.slug and line.kind == "article" else ""
            out.append(f"{self.outcome_words(line)}: {line.kind} {line.title!r}{where}")
            out.extend(f"    {message}" for message in line.messages)
        counts = self.counts()
        out.append(
            f"{counts[CREATED]} {'to create' if self.dry_run else 'created'}, "
            f"{counts[SKIPPED]} skipped, {counts[FAILED]} failed."
        )
        return "\n".join(out)
