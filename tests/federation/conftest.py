"""A real HTTP server on loopback standing in for a remote fediverse server (its actors'
documents and keys, and an inbox that records what it is sent), and helpers to sign
activities as one of its actors."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.federation import keys, signatures
from folio.models import User
from tests.factories import UserFactory
from tests.web.helpers import CommittingClient

ACTIVITY_JSON = "application/activity+json"


@dataclass
class Posted:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class RemoteServer:
    """What the fake server serves and what it was sent."""

    url: str = ""
    documents: dict[str, Any] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    received: list[Posted] = field(default_factory=list)
    inbox_status: int = 202
    private_keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)

    def add_actor(self, name: str) -> str:
        uri = f"{self.url}/users/{name}"
        public_pem, private = keys.generate_pair()
        self.private_keys[name] = private
        self.documents[f"/users/{name}"] = {
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "id": uri,
            "type": "Person",
            "preferredUsername": name,
            "name": name.title(),
            "inbox": f"{uri}/inbox",
            "endpoints": {"sharedInbox": f"{self.url}/inbox"},
            "url": f"{self.url}/@{name}",
            "icon": {"type": "Image", "url": f"{self.url}/{name}.png"},
            "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": public_pem},
        }
        return uri

    def signed(
        self, name: str, target: str, activity: dict[str, Any], **overrides: Any
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a POST of ``activity`` signed as actor ``name``."""
        body = json.dumps(activity).encode()
        headers = signatures.sign_request(
            "POST", target, body, f"{self.url}/users/{name}#main-key", self.private_keys[name],
            overrides.pop("now", None),
        )  # fmt: skip
        headers["Content-Type"] = ACTIVITY_JSON
        headers.update(overrides)
        return body, headers


def _handler(server: RemoteServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path.split("#", 1)[0]
            if path in server.files:
                kind, raw = server.files[path]
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
                return
            document = server.documents.get(path)
            if document is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = json.dumps(document).encode()
            self.send_response(200)
            self.send_header("Content-Type", ACTIVITY_JSON)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            server.received.append(Posted(self.path, dict(self.headers.items()), body))
            self.send_response(server.inbox_status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


@pytest.fixture
def remote() -> Iterator[RemoteServer]:
    state = RemoteServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    thread.join(5)
    httpd.server_close()


@pytest.fixture
def fed_app(app: Flask) -> Flask:
    """Federation may reach loopback (the fake server); deliveries wait for the
    due-runner, which the tests call."""
    app.config.update(
        FEDERATION_ALLOW_PRIVATE_ADDRESSES=True,
        FEDERATION_DELIVER_IMMEDIATELY=False,
        PUBLIC_URL="http://localhost",
    )
    return app


@pytest.fixture
def client(fed_app: Flask) -> FlaskClient:
    fed_app.test_client_class = CommittingClient
    return fed_app.test_client()


@pytest.fixture
def alice(session: Session) -> User:
    return UserFactory(username="alice", display_name="Alice Liddell", bio="Writes about rabbits.")
