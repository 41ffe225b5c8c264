"""The audience pages in German and Spanish: subscribing, confirming, unsubscribing, the
writer's subscribers, the stats dashboards; and the mails, written in the language the
reader subscribed in.

Each page is rendered in English and in the other language from the same data, and
nothing English may be left (tests/i18n/helpers.py). The data avoids English words.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.mail import outbox
from folio.models import Subscriber, User
from folio.newsletter import emails, links
from folio.newsletter.delivery import _message_for, newsletter_confirmation
from folio.newsletter.pages import _import_too_large
from folio.notifications import unsubscribe_token
from folio.stats.models import ArticleDay, ReferrerDay
from tests.factories import ArticleFactory, UserFactory
from tests.i18n.helpers import main_texts, untranslated
from tests.web.helpers import CommittingClient, sign_in_through_the_session

LANGUAGES = ("de", "es")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = CommittingClient
    return app.test_client()


def _get(client: FlaskClient, url: str, lang: str = "en") -> str:
    page = client.get(url, headers={"Accept-Language": lang})
    assert page.status_code == 200, (url, lang, page.status_code)
    return page.get_data(as_text=True)


def _post(client: FlaskClient, url: str, lang: str = "en", **kwargs: Any) -> tuple[int, str]:
    page = client.post(url, headers={"Accept-Language": lang}, **kwargs)
    return page.status_code, page.get_data(as_text=True)


def _in_main(html: str) -> str:
    return " ".join(main_texts(html))


@pytest.fixture
def writer(session: Session) -> User:
    return UserFactory(username="qwertz", display_name="Qwertz Zugspitze")


# --- subscribing -------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_subscribe_form_and_its_answers(
    client: FlaskClient, session: Session, writer: User, lang: str
) -> None:
    ArticleFactory(author=writer, title="Zugspitze 2964", slug="zugspitze-2964")
    session.commit()
    for url in ("/@qwertz", "/articles/zugspitze-2964"):
        form = _get(client, url, lang).split('class="panel subscribe"')[1].split("</section>")[0]
        english = _get(client, url).split('class="panel subscribe"')[1].split("</section>")[0]
        wrapped = '<html lang="{}"><main><section {}</section></main></html>'
        assert untranslated(wrapped.format("en", english), wrapped.format(lang, form)) == []
    german = {"de": "Neue Artikel von Qwertz Zugspitze", "es": "nuevos artículos de Qwertz"}
    assert german[lang] in _get(client, "/@qwertz", lang)

    data = {"email": "leser@beispiel.de", "author": "qwertz", "next": "/@qwertz"}
    code, asked = _post(client, "/newsletter/subscribe", lang, data=data)
    assert code == 200
    _code, english = _post(client, "/newsletter/subscribe", data=data)
    assert untranslated(english, asked) == []
    assert {"de": "Fast geschafft", "es": "Ya casi está"}[lang] in asked

    wrong = {"email": "kaputt", "author": "qwertz"}
    code, refused = _post(client, "/newsletter/subscribe", lang, data=wrong)
    assert code == 422
    _code, english = _post(client, "/newsletter/subscribe", data=wrong)
    assert untranslated(english, refused) == []
    assert {"de": "Noch einmal versuchen", "es": "Inténtalo de nuevo"}[lang] in refused


def test_a_subscription_asked_in_german_is_mailed_confirmed_and_kept_in_german(
    app: Flask, client: FlaskClient, session: Session, writer: User
) -> None:
    session.commit()
    data = {"email": "leser@beispiel.de", "author": "qwertz"}
    code, _html = _post(client, "/newsletter/subscribe", "de-AT,de;q=0.9", data=data)
    assert code == 200
    (mail,) = [m for m in outbox() if m.to == "leser@beispiel.de"]
    assert mail.subject == "Bestätige dein Abonnement für neue Artikel von Qwertz Zugspitze"
    assert "Jemand (hoffentlich du)" in mail.body
    assert "Bestätige innerhalb von" in mail.body
    link = next(word for word in mail.body.split() if "/newsletter/confirm/" in word)
    path = link[link.index("/newsletter/confirm/") :]
    assert path.endswith("?lang=de")

    # Opened in a browser that reads English: the page reads as the mail did.
    asked = _get(client, path, "en")
    assert '<html lang="de">' in asked
    assert "Abonnement bestätigen" in asked
    code, done = _post(client, path, "en")
    assert code == 200
    assert "Abonnement bestätigt" in done
    (row,) = session.scalars(select(Subscriber).where(Subscriber.email == "leser@beispiel.de"))
    assert row.locale == "de"


def test_without_a_language_in_the_link_the_subscription_keeps_the_pages(
    client: FlaskClient, session: Session, writer: User
) -> None:
    token = links.confirmation_token("lectora@ejemplo.es", writer.id)
    session.commit()
    code, done = _post(client, f"/newsletter/confirm/{token}", "es-MX")
    assert code == 200
    assert "Suscripción confirmada" in done
    (row,) = session.scalars(select(Subscriber).where(Subscriber.email == "lectora@ejemplo.es"))
    assert row.locale == "es"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_confirm_unsubscribe_and_invalid_link_pages(
    client: FlaskClient, session: Session, writer: User, lang: str
) -> None:
    confirm = f"/newsletter/confirm/{links.confirmation_token('leser@beispiel.de', writer.id)}"
    site = f"/newsletter/confirm/{links.confirmation_token('leser@beispiel.de', None)}"
    # An address on no list: its pages read in the request's language.
    unsubscribe = f"/newsletter/unsubscribe/{links.unsubscribe_token('andere@beispiel.de')}"
    session.commit()
    for url in (confirm, site, unsubscribe, "/newsletter/confirm/kaputt"):
        page = client.get(url, headers={"Accept-Language": lang})
        english = client.get(url)
        assert page.status_code == english.status_code
        html = page.get_data(as_text=True)
        assert untranslated(english.get_data(as_text=True), html) == [], url
        assert f'<html lang="{lang}">' in html
    for url in (confirm, site, unsubscribe):
        _code, done = _post(client, url, lang)
        _code, english_done = _post(client, url)
        assert untranslated(english_done, done) == [], url
    words = {"de": ("Abbestellen", "Erledigt"), "es": ("Darse de baja", "Hecho")}[lang]
    assert words[0] in _get(client, unsubscribe, lang)
    assert words[1] in _post(client, unsubscribe, lang)[1]


def test_the_unsubscribe_page_reads_in_the_subscribers_language(
    client: FlaskClient, session: Session, writer: User
) -> None:
    session.add(Subscriber(email="leser@beispiel.de", author_id=writer.id, locale="de"))
    unsubscribe = f"/newsletter/unsubscribe/{links.unsubscribe_token('leser@beispiel.de')}"
    session.commit()
    asked = _get(client, unsubscribe, "es")
    assert '<html lang="de">' in asked
    assert "Alle E-Mails zu neuen Artikeln" in asked
    # A language the reader chose with the switcher wins over the mail's.
    client.set_cookie("folio_locale", "es")
    assert '<html lang="es">' in _get(client, unsubscribe, "de")
    client.delete_cookie("folio_locale")
    code, done = _post(client, unsubscribe, "es")  # the lists are left: still German
    assert code == 200
    assert "Erledigt" in done


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_notifications_unsubscribe_page(
    client: FlaskClient, session: Session, lang: str
) -> None:
    member = UserFactory(username="zugspitze")
    url = f"/unsubscribe/{unsubscribe_token(member)}"
    session.commit()
    html = _get(client, url, lang)
    assert untranslated(_get(client, url), html) == []
    assert {"de": "E-Mail-Benachrichtigungen", "es": "Notificaciones por correo"}[lang] in html
    member.locale = lang
    session.commit()
    assert f'<html lang="{lang}">' in _get(client, url, "en")  # the account's language


# --- the writer's subscribers ----------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_subscribers_page_and_its_plurals(
    client: FlaskClient, session: Session, writer: User, lang: str
) -> None:
    session.add(Subscriber(email="eins@beispiel.de", author_id=writer.id, source="form"))
    session.commit()
    sign_in_through_the_session(client, writer)
    one = _get(client, "/newsletter/subscribers", lang)
    assert untranslated(_get(client, "/newsletter/subscribers"), one) == []
    singular = {"de": "1 Abonnent·in", "es": "1 suscriptor "}[lang]
    assert singular in _in_main(one) + " "
    assert {"de": "Abonnenten importieren", "es": "Importar suscriptores"}[lang] in one

    session.add(Subscriber(email="zwei@beispiel.de", author_id=writer.id, source="import"))
    session.commit()
    two = _get(client, "/newsletter/subscribers", lang)
    assert untranslated(_get(client, "/newsletter/subscribers"), two) == []
    assert {"de": "2 Abonnenten", "es": "2 suscriptores"}[lang] in two
    assert {"de": "Import", "es": "Importación"}[lang] in _in_main(two)

    empty = UserFactory(username="leer")
    session.commit()
    sign_in_through_the_session(client, empty)
    none = _get(client, "/newsletter/subscribers", lang)
    assert untranslated(_get(client, "/newsletter/subscribers"), none) == []
    assert {"de": "Noch keine Abonnenten", "es": "Todavía no tienes suscriptores"}[lang] in none


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_import_is_answered_in_the_writers_language(
    client: FlaskClient, session: Session, writer: User, lang: str
) -> None:
    writer.locale = lang
    session.commit()
    sign_in_through_the_session(client, writer)
    data = b"email\neins@beispiel.de\nzwei@beispiel.de\nkaputt\n"
    answer = client.post(
        "/newsletter/subscribers/import",
        data={"file": (BytesIO(data), "liste.csv"), "consent": "y"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    flashed = _get(client, "/newsletter/subscribers", lang)
    expected = {
        "de": "2 Adressen werden deiner Liste hinzugefügt. 1 Zeile war keine E-Mail-Adresse "
        "und wurde übersprungen (Zeile 4).",
        "es": "Se están añadiendo 2 direcciones a tu lista. 1 fila no era una dirección de "
        "correo y se omitió (línea 4).",
    }[lang]
    assert expected in flashed

    empty = client.post(
        "/newsletter/subscribers/import",
        data={"file": (BytesIO(b"\n\n"), "leer.csv")},
        content_type="multipart/form-data",
    )
    assert empty.status_code == 422
    refused = {"de": "enthält keine Adressen", "es": "no contiene direcciones"}[lang]
    assert refused in empty.get_data(as_text=True)

    # A file over the cap is named in the reader's language (also on the 413 page).
    with client.application.test_request_context(headers={"Accept-Language": lang}):
        client.application.config["NEWSLETTER_IMPORT_MAX_BYTES"] = 2 * 1024 * 1024
        (too_large,) = _import_too_large()["file"]
    assert (
        too_large
        == {
            "de": "ist zu groß: Die Grenze liegt bei 2 MB",
            "es": "es demasiado grande: el límite es de 2 MB",
        }[lang]
    )


# --- the stats dashboards ------------------------------------------------------------


@pytest.fixture
def figures(session: Session, writer: User) -> dict[str, Any]:
    admin = UserFactory(username="chefin", admin=True)
    first = ArticleFactory(author=writer, title="Zugspitze 2964", slug="zugspitze-2964")
    second = ArticleFactory(author=writer, title="Watzmann 2713", slug="watzmann-2713")
    today = datetime.now(UTC).date()
    for days_ago, article, views, visitors, host in (
        (0, first, 1234, 1, "nachrichten.beispiel.de"),
        (2, second, 1, 1, "blog.beispiel.es"),
    ):
        day = today - timedelta(days=days_ago)
        session.add(ArticleDay(article_id=article.id, day=day, views=views, visitors=visitors))
        session.add(ReferrerDay(article_id=article.id, day=day, host=host, views=views))
    session.commit()
    return {"admin": admin, "today": today}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_stats_dashboards(
    client: FlaskClient, session: Session, writer: User, figures: dict[str, Any], lang: str
) -> None:
    sign_in_through_the_session(client, writer)
    for url in ("/me/stats?days=7", "/me/stats/zugspitze-2964", "/me/stats?days=90"):
        html = _get(client, url, lang)
        assert untranslated(_get(client, url), html) == [], url
    mine = _get(client, "/me/stats?days=7", lang)
    words = {
        "de": ("Statistiken", "Aufrufe pro Tag", "Verweisquellen", "1.235", "7 Tage"),
        "es": ("Estadísticas", "Visitas por día", "sitios de referencia", "1.235", "7 días"),
    }[lang]
    for word in words:
        assert word in mine, word
    # Plural forms in the chart's words, for 1 and for many.
    one = {"de": "1 Aufruf,", "es": "1 visita,"}[lang]
    many = {"de": "1.234 Aufrufe,", "es": "1.234 visitas,"}[lang]
    assert one in mine
    assert many in mine
    month = {"de": "Dez.", "es": "dic"}[lang] if figures["today"].month == 12 else ""
    assert month in mine

    sign_in_through_the_session(client, figures["admin"])
    site_english = _get(client, "/admin/stats")
    site = _get(client, "/admin/stats", lang)
    assert untranslated(site_english, site) == []
    assert {"de": "die ganze Website", "es": "todo el sitio"}[lang] in site


# --- the mails ---------------------------------------------------------------------


def test_a_confirmation_mail_in_german(app: Flask, session: Session, writer: User) -> None:
    message = emails.confirmation("leser@beispiel.de", writer, "de")
    assert message.subject == "Bestätige dein Abonnement für neue Artikel von Qwertz Zugspitze"
    assert "Bestätige innerhalb von 72 Stunden, indem du diesen Link öffnest:" in message.text
    assert "Falls du das nicht warst" in message.text
    assert "?lang=de" in message.text
    site = emails.confirmation("leser@beispiel.de", None, "de")
    assert site.subject == "Bestätige dein Abonnement für neue Artikel auf Folio"
    english = emails.confirmation("leser@beispiel.de", writer)
    assert english.subject == "Confirm your subscription to new articles by Qwertz Zugspitze"
    assert "?lang=" not in english.text  # no language known: the site's, and none kept

    # An imported address (no language asked in) that is a member's: the member's.
    UserFactory(username="lectora", email="lectora@ejemplo.es", locale="es")
    session.commit()
    assert newsletter_confirmation.run("lectora@ejemplo.es", writer.id)  # in this app
    (mail,) = [m for m in outbox() if m.to == "lectora@ejemplo.es"]
    assert mail.subject == "Confirma tu suscripción a los nuevos artículos de Qwertz Zugspitze"


def test_an_article_mail_in_german_for_a_german_subscriber(
    app: Flask, session: Session, writer: User
) -> None:
    article = ArticleFactory(
        author=writer,
        title="Zugspitze 2964",
        description="Qwertz asdf",
        body="Qwertz 12 *uiop*.",
        language="fr",
    )
    session.add(Subscriber(email="leser@beispiel.de", author_id=writer.id, locale="de"))
    session.add(Subscriber(email="lectora@ejemplo.es", author_id=None, locale="es"))
    session.commit()
    message = _message_for(session, article.id, "leser@beispiel.de")
    assert message is not None
    assert message.subject == "Qwertz Zugspitze hat „Zugspitze 2964“ veröffentlicht"
    assert "von Qwertz Zugspitze" in message.text
    assert "Online lesen: " in message.text
    assert "Du bekommst diese E-Mail, weil du neue Artikel von Qwertz Zugspitze" in message.text
    assert "Mit einem Klick abbestellen: " in message.text
    assert "Qwertz 12 *uiop*." in message.text  # the article itself, as written
    html = message.html or ""
    assert '<html lang="de">' in html
    assert 'lang="fr"' in html  # the article's own language marks its container
    assert "Auf Folio lesen" in html
    assert "Qwertz Zugspitze auf Folio" in html
    assert ">abbestellen</a>" in html
    assert "Unsubscribe" not in html
    assert "Read it on Folio" not in html

    spanish = _message_for(session, article.id, "lectora@ejemplo.es")
    assert spanish is not None
    assert spanish.subject == "Qwertz Zugspitze ha publicado «Zugspitze 2964»"
    assert "Date de baja con un clic: " in spanish.text

    # A member's own setting comes before the language an address subscribed in.
    UserFactory(username="leser", email="leser@beispiel.de", locale="es")
    session.commit()
    member = _message_for(session, article.id, "leser@beispiel.de")
    assert member is not None
    assert member.subject.endswith("«Zugspitze 2964»")

    # Nobody known: the site's language, English here.
    session.add(Subscriber(email="niemand@beispiel.de", author_id=writer.id))
    session.commit()
    unknown = _message_for(session, article.id, "niemand@beispiel.de")
    assert unknown is not None
    assert unknown.subject == "Qwertz Zugspitze published \u201cZugspitze 2964\u201d"
