"""Domain messages in the reader's language.

The rules speak English: the APIs answer with their messages, and clients match on them.
A page shows the same message translated. Three kinds reach a page:

- a fixed message marked ``N_("can't be blank")``: its own catalog entry;
- a :class:`folio.i18n.Problem`, which remembers its template and values;
- an English message with values already in it ("is too large: the limit is 20 MB"),
  read back against the templates it may have come from (those given, and any message
  with a single number as its ``%(count)d`` template).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import format_number, gettext

from folio.i18n import Problem, template_pattern

_NUMBER = re.compile(r"\d+")


def translated(message: str, templates: Iterable[str] = ()) -> str:
    """``message``, a domain message in English, as the reader's language says it."""
    if isinstance(message, Problem):
        values = {
            key: format_number(value) if isinstance(value, int) else value
            for key, value in message.values.items()
        }
        return gettext(message.msgid, **values)
    found = gettext(message)
    if found != message:
        return found
    for template in templates:
        if match := template_pattern(template).match(message):
            values = {
                name: int(value) if value.isdigit() else value
                for name, value in match.groupdict().items()
            }
            return gettext(template, **values)
    numbers = _NUMBER.findall(message)
    if len(numbers) == 1 and "%" not in message:
        return gettext(_NUMBER.sub("%(count)d", message), count=int(numbers[0]))
    return message
