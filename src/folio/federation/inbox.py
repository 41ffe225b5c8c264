"""Receiving activities: the per-actor and shared inboxes.

Order of checks, cheapest first: size cap, JSON shape, blocked domain, HTTP signature
(Digest, Date within the skew, the signer's key, refetched once for rotated keys), the
signer being the activity's actor, then idempotency by activity id. Anything refused
changes nothing. Accepted activities are handled in one unit of work.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, jsonify, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from folio.core.errors import DomainError
from folio.core.uow import current_session, unit_of_work
from folio.federation import delivery, queries, remote, rules, signatures
from folio.federation.documents import CONTEXT, PUBLIC_FORMS, Urls
from folio.federation.models import RemoteActor
from folio.models import User

log = logging.getLogger(__name__)


@dataclass
class Incoming:
    session: Session
    urls: Urls
    actor: RemoteActor
    activity: dict[str, Any]
    # Deliveries queued while handling it (an Accept), sent after the commit.
    queued: list[int]

    @property
    def object(self) -> Any:
        return self.activity.get("object")

    @property
    def object_id(self) -> str | None:
        obj = self.object
        value = obj.get("id") if isinstance(obj, dict) else obj
        return value if isinstance(value, str) else None


def refuse(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def receive(username: str | None) -> Any:
    """Handle one POST to an inbox (``username`` None: the shared inbox)."""
    if not remote.enabled():
        return refuse(404, "federation is off")
    if username is not None and queries.local_user(current_session(), username) is None:
        return refuse(404, "no such actor")
    cap = int(current_app.config["FEDERATION_INBOX_MAX_BYTES"])
    if (request.content_length or 0) > cap:
        return refuse(413, "the activity is too large")
    request.max_content_length = cap
    try:
        body = request.get_data(cache=True)
    except RequestEntityTooLarge:
        return refuse(413, "the activity is too large")
    if len(body) > cap:  # read before this view (whole-app guards), so measured here
        return refuse(413, "the activity is too large")
    activity = _parse(body)
    if activity is None:
        return refuse(400, "the body is not an activity (JSON with id, type and actor)")
    actor_uri = activity["actor"]
    if rules.is_blocked(current_session(), actor_uri):
        return refuse(403, "this server is blocked here")
    try:
        key_id = _verify(body)
    except signatures.SignatureError as exc:
        log.info("inbox refused an activity from %s: %s", actor_uri, exc)
        return refuse(401, f"signature refused: {exc}")
    signer = queries.actor_by_key_id(current_session(), key_id)
    if signer is None or signer.uri != actor_uri:
        return refuse(401, "the signer is not the activity's actor")
    return _handle(signer.id, activity)


def _verify(body: bytes) -> str:
    """The signer's key id, by RFC 9421 (Fedify) or draft-cavage (Mastodon and most)."""
    max_skew = float(current_app.config["FEDERATION_MAX_CLOCK_SKEW"])
    headers = _signed_headers()
    if "signature-input" in headers:
        url = f"{urlsplit(remote.urls().base).scheme}://{remote.urls().host}{_signed_path()}"
        return signatures.verify_rfc9421(
            request.method, url, headers, body, remote.public_key, max_skew=max_skew
        )
    return signatures.verify_request(
        request.method, _signed_path(), headers, body, remote.public_key, max_skew=max_skew
    )


def _signed_path() -> str:
    # The path the sender addressed: under PUBLIC_URL's own path (a site at /blog), also
    # when a proxy strips that prefix without telling Flask.
    prefix = urlsplit(remote.urls().base).path.rstrip("/")
    query = request.query_string.decode("latin-1")
    path = request.path if request.path.startswith(prefix + "/") else prefix + request.path
    return f"{path}?{query}" if query else path


def _signed_headers() -> dict[str, str]:
    headers = {name.lower(): value for name, value in request.headers.items()}
    # The sender signed the host it addressed, the public one: a proxy that passes another
    # Host header upstream must not break every signature (TRUSTED_HOSTS guards Host).
    headers["host"] = remote.urls().host
    return headers


def _parse(body: bytes) -> dict[str, Any] | None:
    try:
        activity = json.loads(body)
    except ValueError:
        return None
    if not isinstance(activity, dict):
        return None
    fields = (activity.get("id"), activity.get("type"), activity.get("actor"))
    if not all(isinstance(value, str) and value for value in fields):
        return None
    if not str(activity["actor"]).startswith(("https://", "http://")):
        return None
    return activity


def _handle(actor_id: int, activity: dict[str, Any]) -> Any:
    queued: list[int] = []
    try:
        with unit_of_work() as uow:
            actor = uow.session.get(RemoteActor, actor_id)
            if actor is None:  # forgotten (a Delete of the actor) since it was verified
                return refuse(401, "the signer is unknown")
            if not rules.first_time(uow.session, activity["id"], actor.uri, activity["type"]):
                return Response(status=202)  # a redelivery: already taken in
            handler = HANDLERS.get(str(activity["type"]))
            if handler is not None:
                handler(Incoming(uow.session, remote.urls(), actor, activity, queued))
    except DomainError as exc:
        return refuse(422, exc.message)
    delivery.schedule(queued)
    return Response(status=202)


# --- one handler per activity type ------------------------------------------------------


def _local_user(incoming: Incoming, uri: str | None) -> User | None:
    urls = incoming.urls
    if not uri or not uri.startswith(urls.base + "/users/"):
        return None
    return queries.local_user(incoming.session, uri[len(urls.base + "/users/") :])


def on_follow(incoming: Incoming) -> None:
    user = _local_user(incoming, incoming.object_id)
    if user is None:
        return
    rules.add_follower(incoming.session, user, incoming.actor, incoming.activity["id"])
    me = incoming.urls.actor(user.username)
    accept = {
        "@context": CONTEXT[0],
        "id": f"{me}#accepts/{uuid.uuid4().hex}",
        "type": "Accept",
        "actor": me,
        "object": {k: v for k, v in incoming.activity.items() if k != "@context"},
    }
    incoming.queued += delivery.queue(user.id, accept, [incoming.actor.inbox])


def on_undo(incoming: Incoming) -> None:
    obj = incoming.object
    kind = obj.get("type") if isinstance(obj, dict) else None
    if kind == "Follow" and isinstance(obj, dict):
        target = obj.get("object")
        user = _local_user(incoming, target if isinstance(target, str) else None)
        if user is not None:
            rules.remove_follower(incoming.session, user, incoming.actor)
    elif incoming.object_id:
        rules.remove_reaction(incoming.session, incoming.actor, incoming.object_id)


def _react(kind: str) -> Callable[[Incoming], None]:
    def handler(incoming: Incoming) -> None:
        article = rules.local_article(incoming.session, incoming.urls, incoming.object_id)
        if article is not None:
            rules.add_reaction(
                incoming.session, article, incoming.actor, kind, incoming.activity["id"]
            )

    return handler


def _note(incoming: Incoming) -> dict[str, Any] | None:
    obj = incoming.object
    if not isinstance(obj, dict) or obj.get("type") not in rules.NOTE_TYPES:
        return None
    author = obj.get("attributedTo")
    author = author if isinstance(author, str) else (rules.uri_of(author) if author else None)
    if author != incoming.actor.uri:
        return None  # only the actor's own posts, never someone else's put in their mouth
    return obj


def _audience(obj: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for name in ("to", "cc"):
        value = obj.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                found.add(item)
    return found


def on_create(incoming: Incoming) -> None:
    obj = _note(incoming)
    if obj is None:
        return
    audience = _audience(obj)
    # Either form of the public collection (Mastodon's full IRI, Fedify's "as:Public").
    public = bool(audience & PUBLIC_FORMS)
    reply_to = rules.uri_of(obj.get("inReplyTo"))
    article = rules.local_article(incoming.session, incoming.urls, reply_to)
    if article is not None:
        if not public:
            return  # a direct or followers-only message is not a public comment
        hold = bool(current_app.config.get("FEDERATION_HOLD_REMOTE_COMMENTS"))
        rules.save_reply(incoming.session, article, incoming.actor, obj, hold=hold)
    elif public or any(uri.endswith("/followers") for uri in audience):
        rules.save_post(incoming.session, incoming.actor, obj)


def on_update(incoming: Incoming) -> None:
    obj = incoming.object
    if isinstance(obj, dict) and obj.get("id") == incoming.actor.uri:
        rules.save_remote_actor(incoming.session, obj)
        return
    on_create(incoming)


def on_delete(incoming: Incoming) -> None:
    object_id = incoming.object_id
    if not object_id:
        return
    if object_id == incoming.actor.uri:
        rules.forget_actor(incoming.session, incoming.actor)
    else:
        rules.delete_remote_object(incoming.session, incoming.actor, object_id)


def on_accept(incoming: Incoming) -> None:
    rules.accept_following(incoming.session, incoming.actor, incoming.object)


def on_reject(incoming: Incoming) -> None:
    rules.reject_following(incoming.session, incoming.actor, incoming.object)


HANDLERS: dict[str, Callable[[Incoming], None]] = {
    "Follow": on_follow,
    "Undo": on_undo,
    "Like": _react("like"),
    "Announce": _react("announce"),
    "Create": on_create,
    "Update": on_update,
    "Delete": on_delete,
    "Accept": on_accept,
    "Reject": on_reject,
}
