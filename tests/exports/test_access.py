"""Who gets an export, and how: the task and its email, the signed link until it expires,
the pages, pruning, and failures that leave a clear state."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from folio.core.uow import unit_of_work
from folio.exports.models import Export
from folio.exports.runner import prune_now
from folio.extensions import db
from folio.mail import outbox
from folio.media import rules as media_rules
from folio.media.storage import LocalStorage, StorageError
from folio.models import User
from tests.api.conftest import assert_error
from tests.exports.helpers import download, request_export, write
from tests.media.helpers import Writer, new_writer, sign_in, stored_files

LINK = re.compile(r"http://localhost(/exports/link/\S+)")


@pytest.fixture
def alice(app: Flask) -> Writer:
    return new_writer(app, "alice")


@pytest.fixture
def bob(app: Flask) -> Writer:
    return new_writer(app, "bob")


@pytest.fixture
def admin(app: Flask) -> Writer:
    return new_writer(app, "root", role="admin")


def _mails(app: Flask) -> list[Any]:
    with app.app_context():
        return list(outbox())


def _link_of(app: Flask, to: str) -> str:
    mails = [m for m in _mails(app) if m.to == to and "export" in m.subject]
    assert len(mails) == 1, mails
    match = LINK.search(mails[0].body)
    assert match, mails[0].body
    return match.group(1)


def _set(app: Flask, export_id: int, **fields: Any) -> None:
    with app.app_context():
        export = db.session.get(Export, export_id)
        for name, value in fields.items():
            setattr(export, name, value)
        db.session.commit()


# --- the task, its email and the link --------------------------------------------------


def test_the_task_builds_the_archive_and_mails_a_link_that_works_signed_out(
    app: Flask, client: FlaskClient, alice: Writer, media_root: str
) -> None:
    write(client, alice, title="Mine")

    export = request_export(client, alice)

    assert "folio.tasks.build_export" in app.extensions["celery"].tasks
    assert export["status"] == "ready"
    assert export["bytes"] > 0
    assert export["archive_url"].endswith(f"/api/v1/exports/{export['id']}/archive")
    expires = datetime.fromisoformat(export["expires_at"])
    assert timedelta(days=6) < expires - datetime.now(UTC) <= timedelta(days=7)
    link = _link_of(app, alice.email)
    with app.test_client() as stranger, stranger.get(link) as response:
        assert response.status_code == 200
        assert response.mimetype == "application/zip"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.get_data() == download(client, alice, export["id"]).fp.getvalue()  # type: ignore[union-attr]
    # The archive lives under exports/, which the public media route never serves.
    stored = [path for path in stored_files(media_root) if path.startswith("exports/")]
    assert stored
    with client.get(f"/media/{stored[0]}") as response:
        assert response.status_code == 404


def test_an_expired_link_or_archive_answers_410(
    app: Flask, client: FlaskClient, alice: Writer
) -> None:
    export = request_export(client, alice)
    link = _link_of(app, alice.email)

    app.config["EXPORT_LINK_SECONDS"] = -1
    with client.get(link) as page:
        assert page.status_code == 410
        assert "expired" in page.get_data(as_text=True)
    app.config["EXPORT_LINK_SECONDS"] = 3600
    _set(app, export["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    api = client.get(f"/api/v1/exports/{export['id']}/archive", headers=alice.headers)
    with client.get(link) as again:
        assert again.status_code == 410

    assert_error(api, 410, "export")


def test_a_forged_link_is_not_found(client: FlaskClient) -> None:
    with client.get("/exports/link/not-a-token") as response:
        assert response.status_code == 404


def test_prune_deletes_expired_archives_and_their_links_stay_gone(
    app: Flask, client: FlaskClient, alice: Writer, media_root: str
) -> None:
    old = request_export(client, alice)
    link = _link_of(app, alice.email)
    fresh = request_export(client, alice)
    _set(app, old["id"], expires_at=datetime.now(UTC) - timedelta(minutes=1))
    before = {p for p in stored_files(media_root) if p.startswith("exports/")}

    with app.app_context():
        assert prune_now() == 1

    after = {p for p in stored_files(media_root) if p.startswith("exports/")}
    assert len(before - after) == 1
    assert client.get(f"/api/v1/exports/{old['id']}", headers=alice.headers).status_code == 404
    assert client.get(f"/api/v1/exports/{fresh['id']}", headers=alice.headers).status_code == 200
    with client.get(link) as response:
        assert response.status_code == 410


def test_deleting_the_account_deletes_its_archives(
    app: Flask, client: FlaskClient, alice: Writer, admin: Writer, media_root: str
) -> None:
    request_export(client, alice)
    link = _link_of(app, alice.email)
    site = request_export(client, admin, kind="site")
    archives = {p for p in stored_files(media_root) if p.startswith("exports/")}

    with app.app_context(), unit_of_work() as uow:
        user = uow.session.get(User, alice.id)
        media_rules.close_account(uow.session, user, user)

    left = {p for p in stored_files(media_root) if p.startswith("exports/")}
    assert len(archives - left) == 1
    with client.get(link) as response:
        assert response.status_code == 410
    assert client.get(f"/api/v1/exports/{site['id']}", headers=admin.headers).status_code == 200


def test_a_storage_failure_marks_the_export_failed_with_a_reason(
    client: FlaskClient, alice: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = [True]
    put_file = LocalStorage.put_file

    def unreachable(self: LocalStorage, *args: Any) -> None:
        if down[0]:
            raise StorageError("S3 put: unreachable")
        put_file(self, *args)

    monkeypatch.setattr(LocalStorage, "put_file", unreachable)

    export = request_export(client, alice)

    assert export["status"] == "failed"
    assert "storage could not be reached" in export["error"]
    assert export["archive_url"] is None
    archive = client.get(f"/api/v1/exports/{export['id']}/archive", headers=alice.headers)
    assert_error(archive, 409, "export")
    # A failed export does not keep its owner from asking again.
    down[0] = False
    assert request_export(client, alice)["status"] == "ready"


def test_one_export_at_a_time(app: Flask, client: FlaskClient, alice: Writer) -> None:
    export = request_export(client, alice)
    _set(app, export["id"], status="running")

    again = client.post("/api/v1/exports", json={"kind": "user"}, headers=alice.headers)

    assert_error(again, 409, "export")


# --- who may see what ------------------------------------------------------------------


def test_another_writer_gets_404_for_my_export(
    client: FlaskClient, alice: Writer, bob: Writer
) -> None:
    export = request_export(client, alice)
    base = f"/api/v1/exports/{export['id']}"

    assert_error(client.get(base, headers=bob.headers), 404, "export")
    assert_error(client.get(f"{base}/archive", headers=bob.headers), 404, "export")
    listed = client.get("/api/v1/exports", headers=bob.headers).get_json()
    assert listed["items"] == []
    sign_in(client, bob)
    with client.get(f"/settings/export/{export['id']}/archive") as page:
        assert page.status_code == 404


def test_only_an_administrator_exports_the_site(
    client: FlaskClient, alice: Writer, admin: Writer
) -> None:
    refused = client.post("/api/v1/exports", json={"kind": "site"}, headers=alice.headers)
    sign_in(client, alice)
    page = client.post("/admin/export")

    assert_error(refused, 403, "export")
    assert page.status_code == 403
    assert client.get("/admin/export").status_code == 403
    site = request_export(client, admin, kind="site")
    assert site["kind"] == "site"
    assert download(client, admin, site["id"]).read("site.json")


def test_bad_requests_name_the_field(client: FlaskClient, alice: Writer) -> None:
    for body in ({}, {"kind": "everything"}, {"kind": "user", "owner_id": 1}):
        response = client.post("/api/v1/exports", json=body, headers=alice.headers)
        assert response.status_code == 422, body
    assert client.post("/api/v1/exports", json={"kind": "user"}).status_code == 401


def test_my_exports_are_listed_newest_first(client: FlaskClient, alice: Writer) -> None:
    first, second = request_export(client, alice), request_export(client, alice)

    listed = client.get("/api/v1/exports", headers=alice.headers).get_json()

    assert [item["id"] for item in listed["items"]] == [second["id"], first["id"]]
    assert listed["total"] == 2


# --- pages -------------------------------------------------------------------------------


def test_the_settings_page_exports_and_offers_the_download(
    app: Flask, client: FlaskClient, alice: Writer
) -> None:
    sign_in(client, alice)
    write(client, alice, title="From the page")
    settings = client.get("/settings").get_data(as_text=True)
    assert "/settings/export" in settings

    empty = client.get("/settings/export")
    posted = client.post("/settings/export", follow_redirects=True)

    assert (
        empty.headers["Cache-Control"].startswith("no-store")
        or "no-store" in empty.headers["Cache-Control"]
    )
    assert "Export my writing" in empty.get_data(as_text=True)
    html = posted.get_data(as_text=True)
    assert posted.status_code == 200
    assert "Your export is ready" in html
    href = re.search(r'href="(/settings/export/\d+/archive)"', html)
    assert href
    with client.get(href.group(1)) as archive:
        assert archive.status_code == 200
        assert archive.mimetype == "application/zip"
    assert _link_of(app, alice.email)


def test_a_page_in_progress_refreshes_itself(
    app: Flask, client: FlaskClient, alice: Writer
) -> None:
    export = request_export(client, alice)
    _set(app, export["id"], status="running")
    sign_in(client, alice)

    html = client.get("/settings/export").get_data(as_text=True)

    assert 'http-equiv="refresh"' in html
    assert "being prepared" in html
    again = client.post("/settings/export", follow_redirects=True).get_data(as_text=True)
    assert "already being prepared" in again


def test_the_admin_page_exports_the_site(client: FlaskClient, admin: Writer) -> None:
    sign_in(client, admin)
    assert "/admin/export" in client.get("/admin").get_data(as_text=True)

    html = client.post("/admin/export", follow_redirects=True).get_data(as_text=True)

    assert "The site export is ready" in html


def test_a_link_in_the_email_points_at_the_public_address(app: Flask, alice: Writer) -> None:
    with app.test_client() as client:
        request_export(client, alice)
    mail = [m for m in _mails(app) if m.to == alice.email][0]
    assert urlsplit(LINK.search(mail.body).group(0)).netloc == "localhost"  # type: ignore[union-attr]


LIMITED = {"RATELIMIT_ENABLED": True, "RATELIMIT_EXPORT": "2 per hour"}


@pytest.mark.parametrize("app_overrides", [LIMITED])
def test_export_requests_are_rate_limited(
    app: Flask, client: FlaskClient, alice: Writer, bob: Writer
) -> None:
    request_export(client, alice)
    request_export(client, alice)

    third = client.post("/api/v1/exports", json={"kind": "user"}, headers=alice.headers)
    sign_in(client, bob)
    pages = [client.post("/settings/export").status_code for _ in range(3)]

    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) > 0
    assert pages == [302, 302, 429]
