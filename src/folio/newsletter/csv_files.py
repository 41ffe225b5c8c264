"""Subscriber lists as CSV: reading an import (checked before anything is queued), and
writing an export (streamed, a chunk of rows at a time)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from folio.core.errors import ValidationFailed
from folio.i18n import N_, Problem
from folio.models import Subscriber
from folio.newsletter.models import EMAIL_MAX

# A cheap shape check for the request (full validation, ~30 µs an address, runs in the
# import tasks, where 100,000 rows take no request's time).
_LOOKS_LIKE_EMAIL = re.compile(r"^[^@\s,;<>\"()\[\]]+@[^@\s,;<>\"()\[\]]+\.[^@\s,;<>\"()\[\]]+$")
_HEADERS = {"email", "e-mail", "email address", "e-mail address", "mail"}
EXAMPLES = 5


@dataclass
class ImportFile:
    addresses: list[str] = field(default_factory=list)
    rejected: int = 0
    # (line number, value) of the first few rejected rows, to show the writer.
    examples: list[tuple[int, str]] = field(default_factory=list)


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = N_(
            "is not UTF-8 text (the byte at position %(position)s is not): "
            "save it as \u201cCSV UTF-8\u201d and try again"
        )
        raise ValidationFailed({"file": [Problem(message, position=exc.start)]}) from None
    if "\x00" in text:
        raise ValidationFailed({"file": [N_("contains NUL characters: is it really a CSV file?")]})
    return text


def _email_column(header: list[str]) -> int | None:
    for index, name in enumerate(header):
        if name.strip().lower() in _HEADERS:
            return index
    return None


def read_import(data: bytes, max_rows: int) -> ImportFile:
    """The addresses of an uploaded CSV: the column headed ``email`` (or the first),
    lower-cased and without repeats.

    :raises ValidationFailed: on ``file``: empty, not UTF-8, not CSV, too many rows.
    """
    rows = csv.reader(io.StringIO(_decode(data), newline=""))
    result, seen = ImportFile(), set()
    column, header = 0, 0
    try:
        for number, row in enumerate(rows, start=1):
            if number == 1 and (found := _email_column(row)) is not None:
                column, header = found, 1
                continue
            if number - header > max_rows:
                too_many = Problem(N_("has more than %(rows)s rows"), rows=max_rows)
                raise ValidationFailed({"file": [too_many]})
            value = row[column].strip() if len(row) > column else ""
            if not value and not any(cell.strip() for cell in row):
                continue  # blank lines
            if len(value) > EMAIL_MAX or not _LOOKS_LIKE_EMAIL.match(value):
                result.rejected += 1
                if len(result.examples) < EXAMPLES:
                    result.examples.append((number, value[:80]))
                continue
            address = value.lower()
            if address not in seen:
                seen.add(address)
                result.addresses.append(address)
    except csv.Error as exc:
        unreadable = Problem(N_("is not a readable CSV file (%(reason)s)"), reason=str(exc))
        raise ValidationFailed({"file": [unreadable]}) from None
    if not result.addresses and not result.rejected:
        raise ValidationFailed({"file": [N_("has no addresses")]})
    return result


def export_lines(subscribers: Iterable[Subscriber]) -> Iterator[str]:
    """CSV lines: a header, then email, subscribed-at (ISO 8601 UTC) and source."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "subscribed_at", "source"])
    yield buffer.getvalue()
    for subscriber in subscribers:
        buffer.seek(0)
        buffer.truncate()
        # A leading =, +, - or @ would be a formula to a spreadsheet: quote it away.
        email = subscriber.email
        if email[:1] in "=+-@":
            email = "'" + email
        writer.writerow([email, subscriber.created_at.isoformat(), subscriber.source])
        yield buffer.getvalue()
