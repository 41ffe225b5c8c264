"""``flask --app folio export``: a writer's or the site's archive straight to a file,
clear errors for an unknown user or a path that cannot be written, and pruning."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient

from tests.exports.helpers import front_matter, write
from tests.media.helpers import Writer, new_writer


@pytest.fixture
def alice(app: Flask) -> Writer:
    return new_writer(app, "alice")


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["export", *args])


def test_a_writers_export_goes_to_the_file(
    app: Flask, client: FlaskClient, alice: Writer, tmp_path: Path
) -> None:
    article = write(client, alice, title="On the command line", body="Typed.")
    out = tmp_path / "alice.zip"

    result = run(app, "--user", "alice", str(out))

    assert result.exit_code == 0, result.output
    assert f"Exported alice to {out}" in result.output
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("folio.json"))["user"] == "alice"
        meta, body = front_matter(archive.read(f"articles/{article['slug']}.md").decode())
    assert (meta["title"], body) == ("On the command line", "Typed.")
    assert [p.name for p in tmp_path.iterdir()] == ["alice.zip"]  # no temporary file left


def test_the_site_export_goes_to_the_file(app: Flask, alice: Writer, tmp_path: Path) -> None:
    out = tmp_path / "site.zip"

    result = run(app, "--site", str(out))

    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        users = json.loads(archive.read("site.json"))["users"]
    assert "alice" in {user["username"] for user in users}


def test_an_unknown_user_is_a_clear_error(app: Flask, tmp_path: Path) -> None:
    result = run(app, "--user", "nobody", str(tmp_path / "x.zip"))

    assert result.exit_code != 0
    assert "no active user named 'nobody'" in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_path_is_a_clear_error(app: Flask, alice: Writer, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder" / "x.zip"
    result = run(app, "--user", "alice", str(missing))

    assert result.exit_code != 0
    assert f"cannot write {missing}" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Missing argument 'OUT'"),
        (("out.zip",), "exactly one of --user USERNAME or --site"),
        (("--site", "--user", "alice", "out.zip"), "exactly one of --user USERNAME or --site"),
    ],
)
def test_exactly_one_of_user_or_site(app: Flask, args: tuple[str, ...], message: str) -> None:
    result = run(app, *args)

    assert result.exit_code == 2
    assert message in result.output


def test_prune_says_what_it_deleted(app: Flask) -> None:
    result = run(app, "prune")

    assert result.exit_code == 0, result.output
    assert "Deleted 0 expired export(s)." in result.output
