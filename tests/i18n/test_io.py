"""Import and export, webhooks and the fediverse pages in German and Spanish, and the
"export is ready" and "webhook switched off" emails in their recipient's language.

Every page is rendered from the same data in English, German and Spanish; what the
German and Spanish pages still show of the English one is listed by ``untranslated``.
The data avoids English words ("Zugspitze 2964", "Qwertz 12").
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.exports.models import Export, ExportKind
from folio.exports.runner import BUILD_FAILED, mail_export_ready
from folio.federation.models import (
    Delivery,
    DomainBlock,
    RemoteActor,
    RemoteComment,
    RemoteFollowing,
    RemotePost,
    RemoteReaction,
)
from folio.imports import report as reasons
from folio.imports import rules as import_rules
from folio.imports.report import Report, ReportLine
from folio.mail import outbox
from folio.models import User
from folio.webhooks.models import Scope, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from folio.webhooks.tasks import notify_webhook_disabled
from tests.factories import ArticleFactory, UserFactory
from tests.i18n.helpers import untranslated
from tests.web.helpers import CommittingClient, sign_in_through_the_session

LANGUAGES = ("en", "de", "es")
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = CommittingClient
    app.config.update(PUBLIC_URL="http://localhost", FEDERATION_DELIVER_IMMEDIATELY=False)
    return app.test_client()


@pytest.fixture
def writer(session: Session) -> User:
    return cast(
        User, UserFactory(username="wendy", email="wendy@example.com", display_name="Wendy Qwertz")
    )


@pytest.fixture
def admin(session: Session) -> User:
    return cast(User, UserFactory(username="ada", email="ada@example.com", admin=True))


def rendered(client: FlaskClient, url: str) -> dict[str, str]:
    """The page in each language, from the same data."""
    pages = {}
    for language in LANGUAGES:
        response = client.get(url, headers={"Accept-Language": language})
        assert response.status_code == 200, (url, language, response.status_code)
        pages[language] = response.get_data(as_text=True)
    return pages


def assert_translated(pages: dict[str, str], de: list[str], es: list[str]) -> None:
    for language, words in (("de", de), ("es", es)):
        assert untranslated(pages["en"], pages[language]) == [], language
        for word in words:
            assert word in pages[language], (language, word)


# --- exports -------------------------------------------------------------------------------


def _export(session: Session, owner: User, **fields: Any) -> Export:
    export = Export(owner_id=owner.id, kind=ExportKind.USER.value, **fields)
    session.add(export)
    session.flush()
    return export


def test_the_export_settings_page_in_german_and_spanish(
    client: FlaskClient, session: Session, writer: User
) -> None:
    _export(
        session,
        writer,
        status="failed",
        error=BUILD_FAILED % {"error": "OSError"},
        created_at=NOW - timedelta(days=1),
        finished_at=NOW - timedelta(days=1),
        expires_at=datetime.now(UTC) + timedelta(days=6),
    )
    _export(
        session,
        writer,
        status="ready",
        storage_key="exports/qwertz.zip",
        bytes=2048,
        created_at=NOW,
        finished_at=NOW,
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )
    sign_in_through_the_session(client, writer)
    pages = rendered(client, "/settings/export")
    assert "Your export is ready" in pages["en"]
    assert_translated(
        pages,
        de=[
            "Deine Texte exportieren",
            "Dein Export ist fertig",
            "Das Archiv konnte nicht erstellt werden (OSError).",
            "Archive werden 7 Tage nach ihrer Erstellung gelöscht.",
        ],
        es=[
            "Exporta tus textos",
            "Tu exportación está lista",
            "No se pudo crear el archivo (OSError).",
            "Los archivos se borran 7 días después de crearse.",
        ],
    )


def test_the_archive_lifetime_reads_in_the_singular_for_one_day(
    client: FlaskClient, app: Flask, session: Session, writer: User
) -> None:
    app.config["EXPORT_LINK_SECONDS"] = 86400
    sign_in_through_the_session(client, writer)
    pages = rendered(client, "/settings/export")
    assert "Archives are deleted 1 day after they are made." in pages["en"]
    assert "Archive werden 1 Tag nach ihrer Erstellung gelöscht." in pages["de"]
    assert "Los archivos se borran 1 día después de crearse." in pages["es"]
    assert_translated(pages, de=["Noch keine Exporte."], es=["Todavía no hay exportaciones."])


def test_the_site_export_page_in_german_and_spanish(
    client: FlaskClient, session: Session, admin: User
) -> None:
    export = _export(session, admin, status="pending", created_at=datetime.now(UTC))
    export.kind = ExportKind.SITE.value
    sign_in_through_the_session(client, admin)
    pages = rendered(client, "/admin/export")
    assert_translated(
        pages,
        de=["Website exportieren", "wird vorbereitet", "Wartet…"],
        es=["Exportar el sitio", "Se está preparando", "En espera…"],
    )


def test_the_export_is_ready_email_is_in_its_owners_language(app: Flask, session: Session) -> None:
    owner: Any = UserFactory(
        username="greta", email="greta@example.com", locale="de", display_name="Greta"
    )
    export = _export(
        session,
        owner,
        status="ready",
        storage_key="exports/greta.zip",
        bytes=10,
        created_at=NOW,
        finished_at=NOW,
        expires_at=datetime(2026, 5, 8, 12, 0, tzinfo=UTC),
    )
    # The task's own function, in this test's app (calling the task would run it in the
    # app its Celery was made for: the last one a test built).
    assert mail_export_ready.run(export.id)
    mail = [m for m in outbox() if m.to == owner.email][-1]
    assert mail.subject == "Dein Folio-Export ist fertig"
    assert mail.body.startswith("Hallo Greta,")
    assert "Dein Export von allem, was du geschrieben hast, ist fertig." in mail.body
    assert "bis zum 8. Mai 2026" in mail.body
    assert "Behalte ihn für dich." in mail.body
    assert "/exports/link/" in mail.body
    assert "ready" not in mail.body


# --- imports -------------------------------------------------------------------------------


def _run(session: Session, owner: User, status: str, dry_run: bool, **fields: Any) -> int:
    report = Report("wordpress", dry_run)
    made = report.add(ReportLine("article", "1", "Zugspitze 2964", reasons.CREATED))
    made.note(reasons.SLUG_TAKEN, wanted=repr("zugspitze"), slug=repr("zugspitze-2"))
    made.note(reasons.IMAGE_NOT_IN_ARCHIVE, image="bild.png")
    kept = report.add(ReportLine("article", "2", "Watzmann 2713", reasons.SKIPPED))
    kept.note(reasons.ALREADY_IMPORTED)
    report.add(
        ReportLine(
            "comment",
            "3",
            reasons.comment_title(None),
            reasons.FAILED,
            [reasons.ARTICLE_NOT_IMPORTED],
        )
    )
    if status == "failed":
        report.warnings.append(reasons.STOPPED_PART_WAY)
    run = import_rules.create_run(
        session, owner, format="wordpress", filename="zugspitze.xml", report=report.to_json()
    )
    run.status = status
    for name, value in fields.items():
        setattr(run, name, value)
    session.flush()
    return run.id


def test_the_import_page_in_german_and_spanish(
    client: FlaskClient, session: Session, writer: User
) -> None:
    _run(session, writer, "planned", True)
    sign_in_through_the_session(client, writer)
    pages = rendered(client, "/settings/import")
    assert_translated(
        pages,
        de=["Deine Texte importieren", "Exportdatei", "Datei prüfen", "Probelauf", "WordPress"],
        es=["Importa tus textos", "Archivo de exportación", "Comprobar el archivo", "simulación"],
    )


def test_a_dry_run_and_its_reasons_in_german_and_spanish(
    client: FlaskClient, session: Session, writer: User
) -> None:
    run_id = _run(session, writer, "planned", True)
    sign_in_through_the_session(client, writer)
    pages = rendered(client, f"/settings/import/{run_id}")
    assert "the slug &#39;zugspitze&#39; is taken by another article" in pages["en"]
    assert_translated(
        pages,
        de=[
            "Probelauf: zugspitze.xml",
            "Noch wurde nichts gespeichert",
            "1 werden erstellt, 1 übersprungen, 1 schlagen fehl.",
            "wird erstellt",
            "der Slug &#39;zugspitze&#39; gehört schon einem anderen Artikel: "
            "dieser bekommt &#39;zugspitze-2&#39;",
            "Bild bild.png ist nicht im Archiv: unverändert gelassen",
            "übersprungen: schon importiert",
            "von jemandem",
            "sein Artikel wurde nicht importiert",
        ],
        es=[
            "Simulación: zugspitze.xml",
            "1 por crear, 1 omitidos, 1 fallarán.",
            "se creará",
            "la imagen bild.png no está en el archivo: se deja como estaba",
            "omitido: ya importado",
            "de alguien",
        ],
    )


def test_a_finished_import_and_one_that_stopped_in_german_and_spanish(
    client: FlaskClient, session: Session, writer: User
) -> None:
    done = _run(session, writer, "done", False)
    stopped = _run(session, writer, "failed", False)
    sign_in_through_the_session(client, writer)
    pages = rendered(client, f"/settings/import/{done}")
    assert_translated(
        pages,
        de=["Import abgeschlossen", "1 erstellt, 1 übersprungen, 1 fehlgeschlagen.", "Bericht"],
        es=["Importación terminada", "1 creados, 1 omitidos, 1 fallidos.", "Informe"],
    )
    pages = rendered(client, f"/settings/import/{stopped}")
    assert_translated(
        pages,
        de=["Der Import wurde abgebrochen", "mittendrin abgebrochen", "Noch einmal ausführen"],
        es=["La importación se detuvo", "se detuvo a medias", "Volver a ejecutarla"],
    )


def test_a_running_import_gives_its_script_the_progress_words(
    client: FlaskClient, session: Session, writer: User
) -> None:
    run_id = _run(session, writer, "running", False, done=1, total=3)
    sign_in_through_the_session(client, writer)
    pages = rendered(client, f"/settings/import/{run_id}")
    assert_translated(pages, de=["Wird importiert…", "1 von 3"], es=["Importando…", "1 de 3"])
    for language, words in (("en", "{done} of {total}"), ("de", "{done} von {total}")):
        block = re.search(
            r'<script type="application/json" id="folio-messages">(.*?)</script>',
            pages[language],
            re.S,
        )
        assert block is not None
        assert json.loads(block.group(1)) == {"progress": words}


def test_an_unreadable_file_is_refused_in_the_readers_language(
    client: FlaskClient, writer: User
) -> None:
    from io import BytesIO

    sign_in_through_the_session(client, writer)
    page = client.get("/settings/import", headers={"Accept-Language": "de"})
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(True))
    data: dict[str, Any] = {"file": (BytesIO(b'{"qwertz": 12}'), "qwertz.json")}
    if token:
        data["csrf_token"] = token.group(1)
    refused = client.post(
        "/settings/import",
        data=data,
        content_type="multipart/form-data",
        headers={"Accept-Language": "de"},
    )
    assert refused.status_code == 422
    assert "Dieses JSON ist kein Ghost-Export." in refused.get_data(as_text=True)


# --- webhooks ------------------------------------------------------------------------------


def _endpoint(session: Session, owner: User, scope: Scope = Scope.OWN, **fields: Any) -> Any:
    endpoint = WebhookEndpoint(
        owner_id=owner.id,
        scope=scope.value,
        url="https://haken.beispiel.test/zugspitze",
        description="Qwertz 12",
        events=["article.published", "comment.created"],
        secret="whsec_qwertz",
        **fields,
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def _delivery(session: Session, endpoint: WebhookEndpoint, state: str, number: int) -> None:
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event_id=f"evt_{number}",
        event_type="article.published",
        payload="{}",
        state=state,
        next_attempt_at=datetime.now(UTC) + timedelta(hours=1) if state == "pending" else None,
    )
    session.add(delivery)
    session.flush()
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            status_code=200 if state == "delivered" else None,
            latency_ms=1234,
            error=None if state == "delivered" else "Zeitüberschreitung",
        )
    )
    session.flush()


def test_the_webhook_list_in_german_and_spanish(
    client: FlaskClient, session: Session, writer: User, admin: User
) -> None:
    _endpoint(session, writer)
    _endpoint(session, writer, enabled=False, disabled_reason="Switched off by hand.")
    _endpoint(session, admin, Scope.SITE)
    sign_in_through_the_session(client, writer)
    pages = rendered(client, "/settings/webhooks")
    assert_translated(
        pages,
        de=["Deine Webhooks", "Ausgeschaltet", "Payload-URL", "Artikel veröffentlicht"],
        es=["Tus webhooks", "Desactivado", "URL de destino", "Artículo publicado"],
    )
    sign_in_through_the_session(client, admin)
    pages = rendered(client, "/admin/webhooks")
    assert_translated(
        pages,
        de=["Webhooks der Website", "Person registriert"],
        es=["Webhooks del sitio", "Usuario registrado"],
    )


def test_a_webhook_and_its_delivery_log_in_german_and_spanish(
    client: FlaskClient, session: Session, writer: User
) -> None:
    hook = _endpoint(
        session,
        writer,
        enabled=False,
        disabled_at=NOW,
        disabled_reason="Switched off after 2 failed attempts in a row.",
    )
    _delivery(session, hook, "delivered", 1)
    _delivery(session, hook, "failed", 2)
    _delivery(session, hook, "pending", 3)
    sign_in_through_the_session(client, writer)
    pages = rendered(client, f"/settings/webhooks/{hook.id}")
    assert_translated(
        pages,
        de=[
            "Dieser Webhook ist ausgeschaltet.",
            "Ausgeschaltet nach 2 fehlgeschlagenen Versuchen in Folge.",
            "3 Zustellungen, die neuesten zuerst.",
            "Zugestellt",
            "Ausstehend",
            "nächster Versuch",
            "1.234 ms",
        ],
        es=[
            "Este webhook está desactivado.",
            "Desactivado tras 2 intentos fallidos seguidos.",
            "3 entregas, las más recientes primero.",
            "Entregada",
            "Pendiente",
            "próximo intento",
        ],
    )


def test_one_delivery_and_one_failure_read_in_the_singular(
    client: FlaskClient, session: Session, writer: User
) -> None:
    hook = _endpoint(
        session,
        writer,
        enabled=False,
        disabled_reason="Switched off after 1 failed attempts in a row.",
    )
    _delivery(session, hook, "failed", 1)
    sign_in_through_the_session(client, writer)
    pages = rendered(client, f"/settings/webhooks/{hook.id}")
    assert "1 delivery, newest first." in pages["en"]
    assert "Switched off after 1 failed attempt in a row." in pages["en"]
    assert_translated(
        pages,
        de=["1 Zustellung, die neueste zuerst.", "Ausgeschaltet nach 1 fehlgeschlagenen Versuch."],
        es=["1 entrega, la más reciente primero.", "Desactivado tras 1 intento fallido."],
    )


def test_the_webhook_switched_off_email_is_in_its_owners_language(
    app: Flask, session: Session
) -> None:
    owner: Any = UserFactory(
        username="greta", email="greta@example.com", locale="de", display_name="Greta"
    )
    hook = _endpoint(
        session,
        owner,
        enabled=False,
        disabled_at=NOW,
        disabled_reason="Switched off after 5 failed attempts in a row.",
    )
    assert notify_webhook_disabled.run(hook.id, "evt_qwertz")
    mail = [m for m in outbox() if m.to == owner.email][-1]
    assert mail.subject == "Einer deiner Webhooks wurde ausgeschaltet"
    assert mail.body.startswith("Hallo Greta,")
    assert "Folio sendet keine Webhooks mehr an https://haken.beispiel.test/zugspitze:" in mail.body
    assert "Ausgeschaltet nach 5 fehlgeschlagenen Versuchen in Folge." in mail.body
    assert f"/settings/webhooks/{hook.id}" in mail.body
    assert "switch" not in mail.body


# --- the fediverse -------------------------------------------------------------------------


def _actor(session: Session, name: str = "hans") -> RemoteActor:
    actor = RemoteActor(
        uri=f"https://sozial.beispiel.test/users/{name}",
        domain="sozial.beispiel.test",
        username=name,
        name=name.capitalize(),
        inbox=f"https://sozial.beispiel.test/users/{name}/inbox",
        url=f"https://sozial.beispiel.test/@{name}",
    )
    session.add(actor)
    session.flush()
    return actor


def test_following_on_the_fediverse_in_german_and_spanish(
    client: FlaskClient, session: Session, writer: User
) -> None:
    for name, accepted in (("hans", True), ("lena", False)):
        session.add(
            RemoteFollowing(
                user_id=writer.id,
                remote_actor_id=_actor(session, name).id,
                follow_activity=f"http://localhost/follows/{name}",
                accepted=accepted,
            )
        )
    session.flush()
    sign_in_through_the_session(client, writer)
    pages = rendered(client, "/federation/following")
    assert_translated(
        pages,
        de=["Jemandem im Fediversum folgen", "Wem du folgst", "Folge ich", "Angefragt"],
        es=["Sigue a alguien del Fediverso", "A quién sigues", "Siguiendo", "Solicitado"],
    )


def test_the_fediverse_tab_in_german_and_spanish(
    client: FlaskClient, session: Session, writer: User
) -> None:
    actor = _actor(session)
    session.add(
        RemoteFollowing(
            user_id=writer.id,
            remote_actor_id=actor.id,
            follow_activity="http://localhost/follows/hans",
            accepted=True,
        )
    )
    session.add(
        RemotePost(
            remote_actor_id=actor.id,
            object_id="https://sozial.beispiel.test/notes/1",
            type="Note",
            url="https://sozial.beispiel.test/@hans/1",
            content_html="<p>Qwertz 12</p>",
        )
    )
    session.flush()
    sign_in_through_the_session(client, writer)
    pages = rendered(client, "/feed/fediverse")
    assert_translated(
        pages,
        de=["Fediversum", "Gefällt mir", "@hans@sozial.beispiel.test antworten"],
        es=["Fediverso", "Me gusta", "Responder a @hans@sozial.beispiel.test"],
    )


def test_the_deliveries_page_in_german_and_spanish(
    client: FlaskClient, session: Session, writer: User
) -> None:
    for number, (state, attempts) in enumerate(
        (("delivered", 1), ("pending", 0), ("pending", 2), ("dead", 9), ("refused", 1))
    ):
        session.add(
            Delivery(
                activity_id=f"http://localhost/activities/{number}",
                activity_type="Create",
                inbox="https://sozial.beispiel.test/inbox",
                host="sozial.beispiel.test",
                user_id=writer.id,
                payload="{}",
                state=state,
                attempts=attempts,
                next_attempt_at=datetime.now(UTC),
                last_error="Zeitüberschreitung" if attempts > 1 else None,
            )
        )
    session.flush()
    sign_in_through_the_session(client, writer)
    pages = rendered(client, "/federation/deliveries")
    assert_translated(
        pages,
        de=["Zustellungen", "Zugestellt", "Ausstehend", "Wird wiederholt", "Aufgegeben"],
        es=["Entregas", "Entregada", "Pendiente", "Reintentando", "Abandonada", "Rechazada"],
    )


def test_the_blocked_domains_page_in_german_and_spanish(
    client: FlaskClient, session: Session, admin: User
) -> None:
    session.add(DomainBlock(domain="laerm.beispiel.test"))
    session.flush()
    sign_in_through_the_session(client, admin)
    pages = rendered(client, "/admin/federation/blocks")
    assert_translated(
        pages,
        de=["Gesperrte Domains", "Sperren", "laerm.beispiel.test entsperren"],
        es=["Dominios bloqueados", "Bloquear", "Desbloquear laerm.beispiel.test"],
    )


def test_an_articles_fediverse_reactions_and_replies_in_german_and_spanish(
    client: FlaskClient, session: Session, writer: User
) -> None:
    article: Any = ArticleFactory(
        author=writer, title="Zugspitze 2964", slug="zugspitze", body="Qwertz 12"
    )
    actor = _actor(session)
    session.add(
        RemoteReaction(
            article_id=article.id, remote_actor_id=actor.id, kind="like", activity_id="x:1"
        )
    )
    for number, booster in enumerate((actor, _actor(session, "lena"))):
        session.add(
            RemoteReaction(
                article_id=article.id,
                remote_actor_id=booster.id,
                kind="announce",
                activity_id=f"x:{number + 2}",
            )
        )
    session.add(
        RemoteComment(
            article_id=article.id,
            remote_actor_id=actor.id,
            object_id="https://sozial.beispiel.test/notes/2",
            content_html="<p>Qwertz 12</p>",
            state="held",
        )
    )
    session.flush()
    sign_in_through_the_session(client, writer)
    pages = {
        language: client.get("/articles/zugspitze", headers={"Accept-Language": language}).get_data(
            as_text=True
        )
        for language in LANGUAGES
    }
    assert '<span class="count">1</span> like ·' in pages["en"]
    assert '<span class="count">2</span> boosts' in pages["en"]
    assert "Aus dem Fediversum" in pages["de"]
    assert '<span class="count">1</span> Gefällt mir' in pages["de"]
    assert '<span class="count">2</span>-mal geteilt' in pages["de"]
    assert "Wartet auf Moderation" in pages["de"]
    assert 'aria-label="Antwort von @hans@sozial.beispiel.test anzeigen"' in pages["de"]
    assert "Desde el Fediverso" in pages["es"]
    assert '<span class="count">1</span> me gusta' in pages["es"]
    assert '<span class="count">2</span> impulsos' in pages["es"]
    assert "Pendiente de moderación" in pages["es"]
