"""The reading side in German and Spanish: home, article and its comments, profile, tag,
search, settings (and its language choice), sign-in, registration, the admin's lists,
the error page, my articles, my media, and the emails a reader receives.

Each page is rendered in English and in the other language from the same data; nothing
the reader sees in ``<main>`` may still read English (tests/i18n/helpers.py). The data
avoids English words, so what the check finds is the interface's.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from folio.mail import outbox
from folio.models import Article, User
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.i18n.helpers import untranslated
from tests.web.helpers import csrf_token_from, sign_in_through_the_session

LANGUAGES = ["de", "es"]


def _get(client: FlaskClient, url: str, lang: str) -> TestResponse:
    return client.get(url, headers={"Accept-Language": lang})


def _translated(client: FlaskClient, url: str, lang: str, status: int = 200) -> str:
    """The page at ``url`` in ``lang``, after checking that it leaves no English behind."""
    english = _get(client, url, "en")
    other = _get(client, url, lang)
    english_html, html = english.get_data(as_text=True), other.get_data(as_text=True)
    assert english.status_code == status, english_html[:500]
    assert other.status_code == status, html[:500]
    assert f'<html lang="{lang}"' in html
    assert untranslated(english_html, html) == []
    return html


def _reads(html: str, *phrases: str) -> None:
    readable = text_of(html)
    missing = [phrase for phrase in phrases if phrase not in readable]
    assert missing == [], readable[:2000]


def text_of(html: str) -> str:
    """The page as a reader sees it (tests.web.helpers.text, for a page already read)."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _writer(**fields: Any) -> User:
    defaults = {"username": "wanda", "display_name": "Wanda Nowak", "bio": "Qwertz 12"}
    return UserFactory(**{**defaults, **fields})


def _article(author: User, **fields: Any) -> Article:
    defaults = {
        "title": "Zugspitze 2964",
        "slug": "zugspitze-2964",
        "description": "Qwertz 12",
        "body": "Qwertz asdf 12.",
        "tags": ["alpen"],
        "author": author,
    }
    return ArticleFactory(**{**defaults, **fields})


HOME = {
    "de": ("Texte, die bleiben.", "Neueste Artikel", "Beliebte Schlagwörter", "Min. Lesezeit"),
    "es": (
        "Textos que vale la pena conservar.",
        "Artículos recientes",
        "Etiquetas populares",
        "min de lectura",
    ),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_home(client: FlaskClient, session: Session, lang: str) -> None:
    _article(_writer())
    html = _translated(client, "/", lang)
    _reads(html, *HOME[lang])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_home_signed_in_and_an_empty_feed(signed_in: FlaskClient, lang: str) -> None:
    _article(_writer())
    _reads(_translated(signed_in, "/", lang), {"de": "Folge ich", "es": "Siguiendo"}[lang])
    empty = {"de": "Hier ist noch nichts.", "es": "Aquí todavía no hay nada."}
    _reads(_translated(signed_in, "/feed", lang), empty[lang])


ARTICLE = {
    "de": ("Kommentare", "Geschrieben von", "Kommentar senden", "Kommentar von Zora Kowalczyk"),
    "es": ("Comentarios", "Escrito por", "Publicar comentario", "comentario de Zora Kowalczyk"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_article_with_comments(
    signed_in: FlaskClient, session: Session, user: User, lang: str
) -> None:
    author = _writer()
    article = _article(author, body="## Qwertz\n\nAsdf 12.\n\n## Jkl\n\nAsdf 13.")
    CommentFactory(article=article, author=user, body="Jodeldiplom 7")
    CommentFactory(article=article, author=author, body="Jodeldiplom 8")
    html = _translated(signed_in, "/articles/zugspitze-2964", lang)
    _reads(html, *ARTICLE[lang])
    confirm = {"de": "Diesen Kommentar löschen?", "es": "¿Eliminar este comentario?"}
    assert f'data-confirm="{confirm[lang]}"' in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_article_for_its_author_and_for_a_stranger(
    client: FlaskClient, session: Session, lang: str
) -> None:
    author = _writer()
    _article(author)
    _article(author, title="Watzmann 2713", slug="watzmann-2713", draft=True)
    anonymous = _translated(client, "/articles/zugspitze-2964", lang)
    prompt = {"de": "oder erstelle ein Konto", "es": "o crea una cuenta para comentar"}
    _reads(anonymous, prompt[lang], {"de": "Noch keine Kommentare.", "es": "Todavía no"}[lang])
    sign_in_through_the_session(client, author)
    own = _translated(client, "/articles/zugspitze-2964", lang)
    _reads(own, {"de": "Zurückziehen", "es": "Retirar"}[lang])
    draft = _translated(client, "/articles/watzmann-2713", lang)
    _reads(draft, {"de": "Nur du kannst diese Seite sehen.", "es": "Solo tú puedes"}[lang])
    delete = _translated(client, "/articles/zugspitze-2964/delete", lang)
    _reads(delete, {"de": "Endgültig löschen", "es": "Eliminar para siempre"}[lang])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_profile_and_its_favorites(client: FlaskClient, session: Session, lang: str) -> None:
    _article(_writer())
    html = _translated(client, "/@wanda", lang)
    _reads(html, {"de": "dabei seit", "es": "se unió el"}[lang])
    empty = {"de": "Wanda Nowak hat noch keine Favoriten.", "es": "todavía no tiene favoritos"}
    _reads(_translated(client, "/@wanda/favorites", lang), empty[lang])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_tag(client: FlaskClient, session: Session, lang: str) -> None:
    _article(_writer())
    _reads(_translated(client, "/tags/alpen", lang), {"de": "Schlagwort", "es": "Etiqueta"}[lang])
    empty = {"de": "Noch hat kein veröffentlichter Artikel", "es": "Todavía ningún artículo"}
    _reads(_translated(client, "/tags/nirgendwo", lang), empty[lang])


SEARCH_COUNTS = {
    "de": ("1 Treffer für „zugspitze“", "2 Treffer für „qwertz“, die besten zuerst."),
    "es": ("1 resultado para «zugspitze»", "2 resultados para «qwertz»"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_with_one_two_and_no_results(
    client: FlaskClient, session: Session, lang: str
) -> None:
    author = _writer()
    _article(author)
    _article(author, title="Watzmann 2713", slug="watzmann-2713")
    one, two = SEARCH_COUNTS[lang]
    _reads(_translated(client, "/search?q=zugspitze", lang), one)
    _reads(_translated(client, "/search?q=qwertz", lang), two)
    none = {"de": "Keine Treffer für „xyzzy“.", "es": "No hay resultados para «xyzzy»."}
    _reads(_translated(client, "/search?q=xyzzy", lang), none[lang])
    _reads(_translated(client, "/search", lang), {"de": "Suchbegriffe", "es": "Palabras"}[lang])


SETTINGS = {
    "de": ("Einstellungen", "Sprache der Oberfläche", "Sprache deines Browsers", "Zeitzone"),
    "es": ("Ajustes", "Idioma de la interfaz", "El idioma de tu navegador", "Zona horaria"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_settings(signed_in: FlaskClient, lang: str) -> None:
    html = _translated(signed_in, "/settings", lang)
    _reads(html, *SETTINGS[lang])


def test_settings_offers_each_language_named_in_itself(signed_in: FlaskClient) -> None:
    html = signed_in.get("/settings").get_data(as_text=True)
    choice = html.split('id="settings-language"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>' in choice
    for code, name in (("en", "English"), ("de", "Deutsch"), ("es", "Español")):
        assert f'<option value="{code}" lang="{code}">{name}</option>' in choice


def test_choosing_german_in_settings_reads_german_whatever_the_browser_says(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    page = signed_in.get("/settings", headers={"Accept-Language": "en"})
    form = page.get_data(as_text=True).split('id="language-title"', 1)[1].split("</form>", 1)[0]
    assert 'action="/language"' in form
    response = signed_in.post(
        "/language",
        data={"locale": "de", "next": "/settings", "csrf_token": csrf_token_from(page)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 303
    assert response.location == "/settings"
    session.refresh(user)
    assert user.locale == "de"
    # Another browser of the same account, which asks for English and has no cookie.
    other = signed_in.application.test_client()
    sign_in_through_the_session(other, user)
    german = other.get("/settings", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="de"' in german
    assert '<option value="de" lang="de" selected>Deutsch</option>' in german
    # "Your browser's language" hands the choice back to Accept-Language.
    page = other.get("/settings", headers={"Accept-Language": "en"})
    back = other.post(
        "/language",
        data={"locale": "", "next": "/settings", "csrf_token": csrf_token_from(page)},
        headers={"Accept-Language": "en"},
    )
    assert back.status_code == 303
    session.refresh(user)
    assert user.locale is None
    for lang in ("en", "es"):
        html = other.get("/settings", headers={"Accept-Language": lang}).get_data(as_text=True)
        assert f'<html lang="{lang}"' in html
        assert '<option value="" selected>' in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sign_in_registration_and_password_reset(client: FlaskClient, lang: str) -> None:
    _reads(
        _translated(client, "/auth/login", lang), {"de": "Willkommen zurück.", "es": "Hola"}[lang]
    )
    register = _translated(client, "/auth/register", lang)
    _reads(register, {"de": "Benutzername", "es": "Nombre de usuario"}[lang])
    reset = _translated(client, "/auth/reset", lang)
    _reads(reset, {"de": "Link senden", "es": "Enviar el enlace"}[lang])
    invalid = _translated(client, "/auth/reset/qwertz", lang, status=400)
    _reads(invalid, {"de": "Dieser Link funktioniert nicht mehr", "es": "Este enlace"}[lang])


REGISTER_ERRORS = {
    "de": ("Passwort ist zu kurz (mindestens 8 Zeichen)", "Benutzername muss aus 3 bis 30"),
    "es": ("Contraseña tiene muy pocos caracteres (mínimo 8)", "Nombre de usuario debe tener"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_services_messages_are_shown_in_the_readers_language(
    client: FlaskClient, lang: str
) -> None:
    data = {"username": "x!", "email": "zora@example.com", "password": "kurz"}
    response = client.post("/auth/register", data=data, headers={"Accept-Language": lang})
    assert response.status_code == 422
    _reads(response.get_data(as_text=True), *REGISTER_ERRORS[lang])
    wrong = client.post(
        "/auth/login",
        data={"email": "niemand@example.com", "password": "Qwertz-1234"},
        headers={"Accept-Language": lang},
    )
    message = {"de": "gibt es kein Konto", "es": "no corresponden a ninguna cuenta"}
    _reads(wrong.get_data(as_text=True), message[lang])


def test_the_apis_keep_their_english_messages(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/users",
        json={"username": "jadwiga", "email": "jadwiga@example.com", "password": "kurz"},
        headers={"Accept-Language": "de"},
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["password"] == ["is too short (minimum is 8 characters)"]


@pytest.fixture
def admin(client: FlaskClient, session: Session) -> FlaskClient:
    root = UserFactory(username="kasimir", display_name="Kasimir Brzeczyk", admin=True)
    sign_in_through_the_session(client, root)
    return client


ADMIN = {
    "de": ("Verwaltung", "Benutzer", "Konten, die neuesten zuerst.", "Deaktivieren"),
    "es": ("Administración", "Usuarios", "cuentas, las más recientes primero.", "Desactivar"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_admin_users_and_articles(admin: FlaskClient, lang: str) -> None:
    _article(_writer())
    UserFactory(username="jadwiga", is_active=False)
    _reads(_translated(admin, "/admin", lang), *ADMIN[lang])
    articles = _translated(admin, "/admin/articles", lang)
    one = {"de": "1 veröffentlichter Artikel", "es": "1 artículo publicado"}
    _reads(articles, one[lang])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_not_found_page(client: FlaskClient, lang: str) -> None:
    html = _translated(client, "/articles/gibt-es-nicht", lang, status=404)
    _reads(html, {"de": "Diese Seite haben wir nicht gefunden", "es": "No encontramos"}[lang])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_error_page_with_the_services_messages(signed_in: FlaskClient, lang: str) -> None:
    response = signed_in.post(
        "/@zora/follow",
        data={"csrf_token": csrf_token_from(signed_in.get("/settings"))},
        headers={"Accept-Language": lang},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    expected = {
        "de": ("Nicht verarbeitbar", "Profil – du kannst dir nicht selbst folgen"),
        "es": ("No se puede procesar", "Perfil – no puedes seguirte a ti mismo"),
    }
    _reads(html, *expected[lang])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_my_articles(signed_in: FlaskClient, user: User, lang: str) -> None:
    empty = _translated(signed_in, "/me/articles", lang)
    _reads(empty, {"de": "Hier ist noch nichts.", "es": "Aquí todavía no hay nada."}[lang])
    _article(user, draft=True)
    html = _translated(signed_in, "/me/articles", lang)
    _reads(html, {"de": "Entwurf", "es": "Borrador"}[lang])


MEDIA = {
    "de": ("0 hochgeladene Dateien", "1 hochgeladene Datei", "In keinem Artikel verwendet"),
    "es": ("0 archivos subidos", "1 archivo subido", "No se usa en ningún artículo"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_my_media(signed_in: FlaskClient, lang: str) -> None:
    from tests.media.helpers import page_upload, photo

    none, one, unused = MEDIA[lang]
    _reads(_translated(signed_in, "/me/media", lang), none)
    assert page_upload(signed_in, photo((32, 24)), "qwertz.jpg").status_code == 302
    _reads(_translated(signed_in, "/me/media", lang), one, unused)


@pytest.mark.parametrize(
    ("lang", "subject", "greeting"),
    [
        ("de", "Setze dein Folio-Passwort zurück", "Hallo Zora Kowalczyk,"),
        ("es", "Restablece tu contraseña de Folio", "Hola, Zora Kowalczyk:"),
        (None, "Reset your Folio password", "Hello Zora Kowalczyk,"),
    ],
)
def test_the_reset_email_is_in_the_account_holders_language(
    client: FlaskClient, app: Flask, session: Session, user: User, lang: str | None,
    subject: str, greeting: str,
) -> None:  # fmt: skip
    user.locale = lang
    # Whoever asks, in whichever language: the mail reads in the account's.
    client.post("/auth/reset", data={"email": user.email}, headers={"Accept-Language": "es"})
    with app.app_context():
        sent = [mail for mail in outbox() if mail.to == user.email]
    assert [mail.subject for mail in sent] == [subject]
    assert sent[0].body.startswith(greeting)
    assert "/auth/reset/" in sent[0].body


def test_the_comment_email_is_in_the_authors_language(
    signed_in: FlaskClient, app: Flask, session: Session
) -> None:
    author = _writer(email="wanda@example.com", locale="es", email_notifications=True)
    _article(author)
    page = signed_in.get("/articles/zugspitze-2964")
    signed_in.post(
        "/articles/zugspitze-2964/comments",
        data={"body": "Jodeldiplom 7", "csrf_token": csrf_token_from(page)},
        headers={"Accept-Language": "de"},
    )
    with app.app_context():
        sent = [mail for mail in outbox() if mail.to == "wanda@example.com"]
    assert [mail.subject for mail in sent] == ["Nuevo comentario en «Zugspitze 2964»"]
    assert "Zora Kowalczyk ha comentado en «Zugspitze 2964»" in sent[0].body
    assert "Jodeldiplom 7" in sent[0].body
