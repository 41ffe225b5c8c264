"""The import page (dry run, run, progress, report, status JSON) and the command."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from folio.core.uow import current_session
from folio.models import Article, ImportRun
from tests.imports.builders import zip_of
from tests.imports.conftest import export_file
from tests.media.helpers import Writer, multipart, new_writer, sign_in
from tests.web.helpers import text


def _articles(app: Flask) -> int:
    with app.app_context():
        return int(current_session().scalar(select(func.count()).select_from(Article)) or 0)


def _upload(client: FlaskClient, data: bytes, name: str) -> str:
    response = client.post("/settings/import", **multipart({"file": (data, name)}))
    assert response.status_code == 303, text(response)
    return response.headers["Location"]


def test_the_page_shows_a_dry_run_then_runs_and_reports(
    app: Flask, client: FlaskClient, writer: Writer
) -> None:
    sign_in(client, writer)
    form = client.get("/settings/import")
    assert form.status_code == 200
    assert "no-store" in form.headers["Cache-Control"]
    assert 'type="file"' in form.get_data(as_text=True)

    run_page = _upload(client, export_file("wordpress.xml"), "press.xml")
    dry = client.get(run_page)
    assert "Dry run: press.xml" in text(dry)
    assert "Nothing has been written yet" in text(dry)
    assert "Tomato season will be created" in text(dry)
    assert "4 to create, 0 skipped, 0 will fail" in text(dry)
    assert _articles(app) == 0  # a dry run writes no article

    run_id = int(re.search(r"/settings/import/(\d+)", run_page).group(1))
    started = client.post(f"/settings/import/{run_id}/run")
    assert started.status_code == 303
    report = client.get(run_page)
    assert "Import finished" in text(report)
    assert "Tomato season created" in text(report)
    assert 'href="/articles/tomato-season"' in report.get_data(as_text=True)
    assert _articles(app) == 3

    status = client.get(f"/settings/import/{run_id}/status")
    assert status.headers["Cache-Control"] == "no-store"
    assert status.json["status"] == "done"
    assert status.json["finished"] is True
    assert status.json["done"] == status.json["total"] == 4
    assert status.json["counts"] == {"created": 4, "skipped": 0, "failed": 0}

    # Once done, running it again is refused; a new upload of the file skips it all.
    again = client.post(f"/settings/import/{run_id}/run", follow_redirects=True)
    assert "already running or done" in text(again)
    second = client.get(_upload(client, export_file("wordpress.xml"), "press.xml"))
    assert "0 to create, 4 skipped" in text(second)
    assert "skipped: already imported" in text(second)


def test_a_running_import_shows_its_progress(
    app: Flask, client: FlaskClient, writer: Writer
) -> None:
    sign_in(client, writer)
    run_page = _upload(client, export_file("wordpress.xml"), "press.xml")
    run_id = int(run_page.rsplit("/", 1)[1])
    with app.app_context():
        run = current_session().get(ImportRun, run_id)
        run.status, run.done = "running", 2
        current_session().commit()
    page = client.get(run_page)
    html = page.get_data(as_text=True)
    assert re.search(r'<progress id="import-progress" max="4" value="2">', html)
    assert "js/import.js" in html
    assert client.get(f"/settings/import/{run_id}/status").json["done"] == 2


def test_someone_elses_import_is_not_found(app: Flask, client: FlaskClient, writer: Writer) -> None:
    sign_in(client, writer)
    run_page = _upload(client, export_file("wordpress.xml"), "press.xml")
    run_id = run_page.rsplit("/", 1)[1]
    sign_in(client, new_writer(app, "mallory"))
    assert client.get(run_page).status_code == 404
    assert client.get(f"/settings/import/{run_id}/status").status_code == 404
    assert client.post(f"/settings/import/{run_id}/run").status_code == 404
    assert client.get("/settings/import/99999999999/status").status_code == 404
    assert _articles(app) == 0


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    assert client.get("/settings/import").status_code in (302, 401)
    assert client.get("/settings/import/1/status").status_code in (302, 401)


def test_the_command_prints_the_report_and_its_exit_status_tells_failures(
    app: Flask, writer: Writer, tmp_path: Path
) -> None:
    export = tmp_path / "press.xml"
    export.write_bytes(export_file("wordpress.xml"))
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["import", str(export), "--user", writer.username, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing was written." in dry.output
    assert "will be created: article 'Tomato season' -> /articles/tomato-season" in dry.output
    assert _articles(app) == 0

    done = runner.invoke(args=["import", str(export), "--user", writer.username])
    assert done.exit_code == 0, done.output
    assert "4 created, 0 skipped, 0 failed." in done.output
    assert _articles(app) == 3

    again = runner.invoke(args=["import", str(export), "--user", writer.username])
    assert "0 created, 4 skipped, 0 failed." in again.output

    broken = tmp_path / "broken.zip"
    broken.write_bytes(
        zip_of({"ok.md": "---\ntitle: Fine\n---\nfine\n", "bad.md": "---\n: [unclosed\n---\nx\n"})
    )
    failed = runner.invoke(args=["import", str(broken), "--user", writer.username])
    assert failed.exit_code == 1
    assert "failed: article" in failed.output
    assert "front matter cannot be read" in failed.output

    refused = tmp_path / "notes.txt"
    refused.write_text("hello")
    result = runner.invoke(args=["import", str(refused), "--user", writer.username])
    assert result.exit_code == 2
    assert "none of the formats Folio imports" in result.output

    nobody = runner.invoke(args=["import", str(export), "--user", "nobody-here"])
    assert nobody.exit_code != 0
    assert "No account is named 'nobody-here'" in nobody.output
