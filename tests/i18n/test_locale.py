"""Which language a request is answered in, the footer's switcher, and bad input.

The rule: the signed-in reader's setting, else the switcher's cookie, else
Accept-Language, else the site's default. Nothing a client sends can make it fail.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy.orm import Session

from folio.i18n import LOCALE_COOKIE, from_accept_language, language_tag, negotiate
from folio.models import User
from folio.web.filters import fulldate, shortdate, timeago
from tests.factories import UserFactory
from tests.web.helpers import sign_in_through_the_session

SIGN_IN = {"en": "Sign in", "de": "Anmelden", "es": "Iniciar sesión"}


def _language_of(response: Any) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:300]
    lang = html.split('<html lang="', 1)[1].split('"', 1)[0]
    assert f">{SIGN_IN[lang]}</a>" in html or lang != "en" or "Sign out" in html
    return lang


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("es-MX", "es"),
        ("fr-FR,es;q=0.5,de;q=0.4", "es"),
        ("en-GB,en;q=0.9", "en"),
        ("de;q=0,es;q=0.1", "es"),
        ("", "en"),
        ("xx-YY", "en"),
        ("*", "en"),
        (";;;q=abc,,,de;q=", "de"),
        ("de;q=nonsense", "en"),
        ("x" * 5000, "en"),
        ("é€\x00ñ", "en"),
    ],
)
def test_accept_language_picks_a_supported_language_or_falls_back(
    client: FlaskClient, header: str, expected: str
) -> None:
    response = client.get("/", headers={"Accept-Language": header})
    assert _language_of(response) == expected


def test_the_page_reads_in_the_chosen_language(client: FlaskClient) -> None:
    html = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="de">' in html
    assert ">Anmelden</a>" in html
    html = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert ">Iniciar sesión</a>" in html


@pytest.mark.parametrize("garbage", ["fr", "<script>", "de\\x00", "%%%", "d" * 400, ""])
def test_a_garbage_locale_cookie_falls_back_quietly(client: FlaskClient, garbage: str) -> None:
    client.set_cookie(LOCALE_COOKIE, garbage)
    assert _language_of(client.get("/", headers={"Accept-Language": "es"})) == "es"
    assert _language_of(client.get("/")) == "en"


def test_the_switcher_sets_a_cookie_that_beats_the_browser(client: FlaskClient) -> None:
    response = client.post("/language", data={"locale": "es", "next": "/tags/x?page=2"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/tags/x?page=2"
    cookie = response.headers["Set-Cookie"]
    assert f"{LOCALE_COOKIE}=es" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert _language_of(client.get("/", headers={"Accept-Language": "de"})) == "es"
    # "The browser's language" forgets the choice.
    client.post("/language", data={"locale": "", "next": "/"})
    assert _language_of(client.get("/", headers={"Accept-Language": "de"})) == "de"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil", ""])
def test_the_switcher_never_redirects_off_the_site(client: FlaskClient, target: str) -> None:
    response = client.post("/language", data={"locale": "de", "next": target})
    assert response.headers["Location"] == "/"


def test_an_unknown_choice_is_the_browser_language(client: FlaskClient) -> None:
    response = client.post("/language", data={"locale": "klingon", "next": "/"})
    assert response.status_code == 303
    assert _language_of(client.get("/", headers={"Accept-Language": "es"})) == "es"


def test_a_signed_in_reader_setting_wins_and_is_kept_on_the_account(
    client: FlaskClient, session: Session
) -> None:
    reader = UserFactory(username="leser")
    session.commit()
    sign_in_through_the_session(client, reader)
    client.set_cookie(LOCALE_COOKIE, "es")
    assert _language_of(client.get("/", headers={"Accept-Language": "es"})) == "es"
    assert client.post("/language", data={"locale": "de", "next": "/"}).status_code == 303
    session.expire_all()
    assert session.get(User, reader.id).locale == "de"
    client.set_cookie(LOCALE_COOKIE, "es")
    assert _language_of(client.get("/", headers={"Accept-Language": "es"})) == "de"


def test_an_unsupported_stored_setting_falls_back(client: FlaskClient, session: Session) -> None:
    reader = UserFactory(username="lector", locale="fr-CA")
    session.commit()
    sign_in_through_the_session(client, reader)
    assert _language_of(client.get("/", headers={"Accept-Language": "es"})) == "es"
    assert _language_of(client.get("/settings")) == "en"


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_a_signed_in_switch_needs_the_csrf_token_an_anonymous_one_does_not(
    client: FlaskClient, session: Session, app_overrides: dict[str, Any]
) -> None:
    assert client.post("/language", data={"locale": "de", "next": "/"}).status_code == 303
    reader = UserFactory(username="schreiber")
    session.commit()
    sign_in_through_the_session(client, reader)
    assert client.post("/language", data={"locale": "es", "next": "/"}).status_code == 400
    session.expire_all()
    assert session.get(User, reader.id).locale is None


@pytest.mark.parametrize("app_overrides", [{"PUBLIC_CACHE": True}])
def test_the_public_cache_keeps_each_language_apart(
    client: FlaskClient, app_overrides: dict[str, Any]
) -> None:
    german = client.get("/", headers={"Accept-Language": "de"})
    english = client.get("/", headers={"Accept-Language": "en"})
    assert german.headers["X-Folio-Cache"] == english.headers["X-Folio-Cache"] == "miss"
    assert "Accept-Language" in german.headers["Vary"]
    again = client.get("/", headers={"Accept-Language": "de-AT,de;q=0.9"})
    assert again.headers["X-Folio-Cache"] == "hit"
    assert _language_of(again) == "de"
    assert _language_of(client.get("/", headers={"Accept-Language": "en"})) == "en"
    client.set_cookie(LOCALE_COOKIE, "es")
    chosen = client.get("/", headers={"Accept-Language": "de"})
    assert chosen.headers["X-Folio-Cache"] == "miss"
    assert _language_of(chosen) == "es"


@pytest.mark.parametrize("app_overrides", [{"BABEL_DEFAULT_LOCALE": "es"}])
def test_the_site_default_applies_when_the_browser_names_nothing_we_speak(
    client: FlaskClient, app_overrides: dict[str, Any]
) -> None:
    assert _language_of(client.get("/", headers={"Accept-Language": "fr"})) == "es"
    assert _language_of(client.get("/", headers={"Accept-Language": "de"})) == "de"


def test_negotiation_rules_without_a_request() -> None:
    assert negotiate("de", "es", "en", "en") == "de"
    assert negotiate(None, "es", "de", "en") == "es"
    assert negotiate("fr", "zz", "pt", "de") == "de"
    assert negotiate(None, None, None, "nonsense") == "en"
    assert from_accept_language("de-CH") == "de"
    assert language_tag("PT_br") == "pt-BR"
    assert language_tag("zh-hant-tw") == "zh-Hant-TW"
    assert language_tag("12") is None


def test_dates_are_written_in_the_reader_language(app: Flask) -> None:
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    with app.test_request_context("/"):
        with force_locale("de"):
            assert timeago(now - timedelta(hours=3), now) == "vor 3 Stunden"
            assert timeago(now - timedelta(days=1, hours=1), now) == "gestern"
            assert shortdate(now) == "02.12.2026"
        with force_locale("es"):
            assert timeago(now - timedelta(hours=3), now) == "hace 3 horas"
            assert fulldate(now).startswith("2 de diciembre de 2026, 15:00")
            assert timeago(now - timedelta(seconds=20), now) == "ahora mismo"


def test_a_mail_in_another_language_leaves_the_page_in_the_readers(app: Flask) -> None:
    """The request's catalog is looked up once, but force_locale (a mail in the
    recipient's language) still switches it, and leaving it switches back."""
    from folio.i18n.current import gettext

    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert gettext("Sign in") == SIGN_IN["es"]
        with force_locale("de"):
            assert gettext("Sign in") == SIGN_IN["de"]
            assert timeago(now - timedelta(hours=3), now) == "vor 3 Stunden"
        assert gettext("Sign in") == SIGN_IN["es"]
        assert timeago(now - timedelta(hours=3), now) == "hace 3 horas"


def test_templates_translate_escape_and_format_as_jinjas_own_wrappers(app: Flask) -> None:
    """Templates' ``_``/``ngettext``/``pgettext`` read the request's catalog in one call:
    an HTML template escapes what is put into a translated sentence, a text template
    (a mail) does not, and ``%%`` stays a per cent sign in both, as with Jinja's own."""
    env = app.jinja_env
    source = (
        "{{ _('Sign in') }}|{{ _('%(who)s & co', who='<b>') }}|{{ _('100%%') }}|"
        "{{ ngettext('%(num)d min read', '%(num)d min read', 3) }}|"
        "{{ pgettext('menu', 'Home') }}|{% trans n=2 %}{{ n }} <i>{% endtrans %}"
    )
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        html = env.from_string("{% autoescape true %}" + source + "{% endautoescape %}")
        text = env.from_string("{% autoescape false %}" + source + "{% endautoescape %}")
        words = html.render().split("|")
        assert words[0] == SIGN_IN["de"]
        assert words[1] == "&lt;b&gt; & co"  # the argument escaped, the sentence kept
        assert words[2] == "100%"
        assert words[3] == "3 Min. Lesezeit"
        assert words[4] == "Home"
        assert words[5] == "2 <i>"
        assert text.render().split("|")[1] == "<b> & co"
