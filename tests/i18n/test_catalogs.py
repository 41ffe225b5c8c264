"""The German and Spanish catalogs are complete and sound.

Every message the code and the templates ask for (extracted afresh, as ``pybabel
extract`` would) has a translation in each language, plural forms included, with the
same placeholders, nothing left fuzzy; and the compiled ``.mo`` files Folio reads say
what the ``.po`` files say (a forgotten ``pybabel compile`` fails here).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from folio.i18n import LOCALES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "src" / "folio" / "translations"
TRANSLATED = sorted(set(LOCALES) - {"en"})
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    command = [
        sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
        "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(out), "src/folio",
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)  # noqa: S603
    with out.open("rb") as file:
        return read_po(file)


def _catalog(locale: str) -> Catalog:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=locale)


def _forms(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


def _tupled(value: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)


def test_the_interface_has_messages_to_translate(extracted: Catalog) -> None:
    ids = {message.id if isinstance(message.id, str) else message.id[0] for message in extracted}
    # A few that every reader meets: the check is looking at the real sources.
    assert {"Sign in", "Language", "just now"} <= ids
    assert len(ids) > 500


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_is_translated(extracted: Catalog, locale: str) -> None:
    catalog = _catalog(locale)
    missing, fuzzy = [], []
    for message in extracted:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        if found is None or not all(_forms(found.string)) or not _forms(found.string):
            missing.append(message.id)
        elif found.fuzzy:
            fuzzy.append(message.id)
    assert missing == [], f"{locale}: {len(missing)} untranslated, first {missing[:10]}"
    assert fuzzy == [], f"{locale}: fuzzy {fuzzy[:10]}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_placeholders_and_plural_forms_match(locale: str) -> None:
    catalog = _catalog(locale)
    # CLDR's rule for the language (Spanish has a third form, for millions).
    assert catalog.plural_forms == Catalog(locale=locale).plural_forms
    broken = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = _forms(message.id)
        wanted = set().union(*(_PLACEHOLDER.findall(text) for text in ids))
        for form in _forms(message.string):
            used = set(_PLACEHOLDER.findall(form))
            # A singular form may leave out the count ("ein Kommentar"); nothing else.
            if used - wanted or (wanted - {"num"}) - used:
                broken.append((message.id, form))
        if message.pluralizable and len(_forms(message.string)) != catalog.num_plurals:
            broken.append((message.id, "plural forms"))
    assert broken == []
    # Babel's own checks (python-format flags, plural counts) find nothing either.
    assert [(m.id, errors) for m, errors in catalog.check()] == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_compiled_catalogs_match_the_sources(locale: str) -> None:
    source = {
        (m.context, m.id): m.string for m in _catalog(locale) if m.id and m.string and not m.fuzzy
    }
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").open("rb") as file:
        # read_mo gives a plural message's forms as lists, read_po as tuples.
        compiled = {(m.context, _tupled(m.id)): _tupled(m.string) for m in read_mo(file) if m.id}
    assert compiled == source, "run: pybabel compile -d src/folio/translations"
