"""Import fixtures: accounts, a private folder for waiting uploads, a real local HTTP
server for remote images, and the test exports with its address filled in."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.media.helpers import Writer, new_writer, photo
from tests.web.helpers import CommittingClient

DATA = Path(__file__).parent / "data"


class ImageServer:
    """Serves ``/<name>.jpg`` pictures (made on start) and 404 for anything else."""

    def __init__(self) -> None:
        self.images = {"/ghost-cover.jpg": photo((320, 200)), "/tomato.jpg": photo((300, 300))}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests.append(self.path)
                body = server.images.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "image/jpeg" if body else "text/plain")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def image_server() -> Iterator[ImageServer]:
    server = ImageServer()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _private_import_folder(app: Flask, tmp_path: Path) -> None:
    app.config["IMPORT_ROOT"] = str(tmp_path / "imports")


@pytest.fixture
def allow_loopback(app: Flask) -> None:
    """Remote images come from the local test server (a test-only setting)."""
    app.config["OUTBOUND_ALLOW_PRIVATE_ADDRESSES"] = True


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = CommittingClient
    return app.test_client()


@pytest.fixture
def writer(app: Flask) -> Writer:
    return new_writer(app, "wanda", email="wanda@example.test")


@pytest.fixture
def admin(app: Flask) -> Writer:
    return new_writer(app, "root", email="root@example.test", admin=True)


def export_file(name: str, server: ImageServer | None = None) -> bytes:
    text = (DATA / name).read_text("utf-8")
    return text.replace("{{SERVER}}", server.url if server else "http://127.0.0.1:9").encode()
