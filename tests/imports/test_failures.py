"""An import that fails part-way: what was done stays done, the report says what failed,
and running it again finishes the rest without doubling anything."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from folio.core.uow import current_session
from folio.imports import rules, runner
from folio.models import Article, Comment, ImportRun, User
from tests.imports.conftest import export_file
from tests.media.helpers import Writer, multipart, sign_in
from tests.web.helpers import text


def _count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(current_session().scalar(select(func.count()).select_from(model)) or 0)


def _failing_for(title: str, monkeypatch: pytest.MonkeyPatch, error: type[Exception]) -> None:
    real = rules.import_article

    def import_article(session: Any, author: User, item: Any, **kwargs: Any) -> Article:
        if item.title == title:
            raise error("the disk is on fire")
        return real(session, author, item, **kwargs)

    monkeypatch.setattr(rules, "import_article", import_article)


def test_one_bad_item_rolls_back_alone_and_a_rerun_finishes_it(
    app: Flask, writer: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = export_file("wordpress.xml")
    # A context of its own: undoing the test's monkeypatch would undo the app fixture's.
    with monkeypatch.context() as patch, app.app_context():
        _failing_for("About the garden", patch, RuntimeError)
        actor = current_session().get(User, writer.id)
        first = runner.run_import(runner.read_file(data), actor, map_authors=False, dry_run=False)
        current_session().commit()
    assert first.counts() == {"created": 3, "skipped": 0, "failed": 1}
    failed = next(line for line in first.lines if line.outcome == "failed")
    assert failed.title == "About the garden"
    assert "run the import again" in failed.messages[-1]
    assert _count(app, Article) == 2  # nothing half-written of the failed one

    with app.app_context():
        actor = current_session().get(User, writer.id)
        second = runner.run_import(runner.read_file(data), actor, map_authors=False, dry_run=False)
        current_session().commit()
    assert second.counts() == {"created": 1, "skipped": 3, "failed": 0}
    assert _count(app, Article) == 3
    assert _count(app, Comment) == 1


def test_a_run_that_stops_part_way_keeps_its_report_and_can_run_again(
    app: Flask, client: FlaskClient, writer: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(client, writer)
    upload = client.post(
        "/settings/import", **multipart({"file": (export_file("wordpress.xml"), "press.xml")})
    )
    run_page = upload.headers["Location"]
    run_id = int(re.search(r"(\d+)$", run_page).group(1))
    real = runner._one_article
    calls = []

    def stopping(run: Any, item: Any) -> Any:
        calls.append(item.key)
        if len(calls) == 2:
            raise ConnectionError("the database went away")  # escapes the item's handling
        return real(run, item)

    with monkeypatch.context() as patch:
        patch.setattr(runner, "_one_article", stopping)
        client.post(f"/settings/import/{run_id}/run")
    stopped = client.get(run_page)
    assert "The import stopped" in text(stopped)
    assert "run it again to finish it" in text(stopped)
    assert "Tomato season created" in text(stopped)  # done before the stop, and reported
    with app.app_context():
        assert current_session().get(ImportRun, run_id).status == "failed"

    again = client.post(f"/settings/import/{run_id}/run", follow_redirects=True)
    assert "Import finished" in text(again)
    assert "Tomato season skipped" in text(again)
    assert "About the garden created" in text(again)
    assert _count(app, Article) == 3
