"""What the export tests share: writers with content made through the API, and a look
inside the archive an export answers."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import yaml
from flask.testing import FlaskClient

from tests.media.helpers import Writer, api_upload


def upload(client: FlaskClient, writer: Writer, data: bytes) -> dict[str, Any]:
    response = api_upload(client, writer, data)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def write(client: FlaskClient, writer: Writer, **fields: Any) -> dict[str, Any]:
    article = {"title": "A title", "description": "About it", "body": "Words.", **fields}
    response = client.post("/api/v1/articles", json=article, headers=writer.headers)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def comment(client: FlaskClient, writer: Writer, slug: str, body: str) -> None:
    response = client.post(
        f"/api/v1/articles/{slug}/comments", json={"body": body}, headers=writer.headers
    )
    assert response.status_code == 201, response.get_json()


def request_export(client: FlaskClient, writer: Writer, kind: str = "user") -> dict[str, Any]:
    response = client.post("/api/v1/exports", json={"kind": kind}, headers=writer.headers)
    assert response.status_code == 202, response.get_json()
    return dict(response.get_json())


def download(client: FlaskClient, writer: Writer, export_id: int) -> zipfile.ZipFile:
    with client.get(f"/api/v1/exports/{export_id}/archive", headers=writer.headers) as response:
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert response.mimetype == "application/zip"
        return zipfile.ZipFile(io.BytesIO(response.get_data()))


def export_archive(client: FlaskClient, writer: Writer, kind: str = "user") -> zipfile.ZipFile:
    export = request_export(client, writer, kind)
    assert export["status"] == "ready", export
    return download(client, writer, export["id"])


def front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(the YAML front matter, the body) of an exported article."""
    assert text.startswith("---\n")
    meta, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(meta), body
