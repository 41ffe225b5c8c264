"""Reaching other servers: the app's federation settings, remote actors and their keys
(fetched through folio.core.outbound and cached), WebFinger handles."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from cryptography.fernet import MultiFernet
from flask import current_app

from folio.core.errors import ValidationFailed
from folio.core.outbound import OutboundPolicy, OutboundRefused, fetch
from folio.core.uow import current_session, unit_of_work
from folio.federation import keys, queries, rules
from folio.federation.documents import ACTIVITY_JSON, LD_JSON, Urls
from folio.federation.models import RemoteActor
from folio.i18n import N_
from folio.models import now_utc

log = logging.getLogger(__name__)
ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
ACCEPT = f"{ACTIVITY_JSON}, {LD_JSON}"
MAX_DOCUMENT_BYTES = 1024 * 1024


class RemoteError(Exception):
    """A remote document could not be had or made no sense; the message says why."""


def enabled() -> bool:
    return bool(current_app.config.get("FEDERATION_ENABLED", True))


def urls() -> Urls:
    return Urls(str(current_app.config["PUBLIC_URL"]))


def policy() -> OutboundPolicy:
    config = current_app.config
    found = OutboundPolicy.from_config(config)
    allow = bool(config.get("FEDERATION_ALLOW_PRIVATE_ADDRESSES")) or found.allow_private
    return replace(
        found,
        allow_private=allow,
        max_bytes=min(found.max_bytes, MAX_DOCUMENT_BYTES),
        user_agent=f"Folio (+{config['PUBLIC_URL']})",
    )


def fernet() -> MultiFernet:
    config = current_app.config
    secrets = [
        config.get("FEDERATION_KEY_SECRET"),
        *config.get("FEDERATION_KEY_SECRET_FALLBACKS", []),
    ]
    secrets += [config["SECRET_KEY"], *config.get("SECRET_KEY_FALLBACKS", [])]
    return keys.fernet_for([s for s in secrets if s])


def fetch_json(url: str) -> dict[str, Any]:
    try:
        response = fetch(url, policy(), headers={"Accept": ACCEPT})
    except OutboundRefused as exc:
        raise RemoteError(str(exc)) from exc
    if response.status != 200:
        raise RemoteError(f"{url} answered {response.status}")
    try:
        document = json.loads(response.body)
    except ValueError as exc:
        raise RemoteError(f"{url} is not JSON") from exc
    if not isinstance(document, dict):
        raise RemoteError(f"{url} is not a JSON object")
    return document


def _fresh(actor: RemoteActor) -> bool:
    seconds = float(current_app.config["FEDERATION_ACTOR_CACHE_SECONDS"])
    return now_utc() - actor.fetched_at < timedelta(seconds=seconds)


def get_actor(uri: str, *, refresh: bool = False) -> RemoteActor:
    """The remote actor at ``uri``, from the cache or fetched (and stored) now.

    :raises RemoteError: it cannot be fetched or is not an actor.
    """
    session = current_session()
    actor = queries.actor_by_uri(session, uri)
    if actor is not None and not refresh and _fresh(actor):
        return actor
    document = fetch_json(uri)
    if document.get("id") != uri or document.get("type") not in ACTOR_TYPES:
        raise RemoteError(f"{uri} is not an actor document")
    try:
        with unit_of_work() as uow:
            return rules.save_remote_actor(uow.session, document)
    except ValidationFailed as exc:
        raise RemoteError(exc.message) from exc


def public_key(key_id: str, refresh: bool) -> str | None:
    """The PEM of the key ``key_id`` names (cached with its actor; fetched again when
    ``refresh``): the signature check's look-up."""
    session = current_session()
    actor = queries.actor_by_key_id(session, key_id)
    # The stored key first, however old: a key that no longer verifies is fetched again
    # (refresh), and a deleted account's last Delete is still signed by the key we have.
    if actor is not None and not refresh and actor.public_key_pem:
        return actor.public_key_pem
    try:
        owner = _key_owner(key_id)
        actor = get_actor(owner, refresh=True)
    except RemoteError as exc:
        log.info("no key %s: %s", key_id, exc)
        return None
    return actor.public_key_pem if actor.key_id == key_id else None


def _key_owner(key_id: str) -> str:
    document = fetch_json(key_id.split("#", 1)[0])
    if document.get("type") in ACTOR_TYPES:
        return str(document.get("id"))
    owner = document.get("owner")
    if isinstance(owner, str):
        return owner
    raise RemoteError(f"{key_id} names no owner")


def parse_handle(handle: str) -> tuple[str, str]:
    """``@bob@social.example`` (or ``bob@social.example``) as ``(user, host)``."""
    text = (handle or "").strip().removeprefix("acct:").removeprefix("@")
    user, _, host = text.rpartition("@")
    if not user or not host or any(c in text for c in "/?# ") or "@" in user:
        raise ValidationFailed({"handle": [N_("is not a handle such as @someone@social.example")]})
    return user, host.lower()


def resolve_handle(handle: str) -> RemoteActor:
    """Find a remote account by its handle through WebFinger, then fetch its actor.

    :raises ValidationFailed: a malformed handle, or one that does not resolve.
    """
    user, host = parse_handle(handle)
    resource = quote(f"acct:{user}@{host}", safe=":@")
    schemes = ["https", "http"] if policy().allow_private else ["https"]
    problems = []
    for scheme in schemes:
        try:
            found = fetch_json(f"{scheme}://{host}/.well-known/webfinger?resource={resource}")
            return get_actor(_self_link(found))
        except RemoteError as exc:
            problems.append(str(exc))
    log.info("could not resolve %s: %s", handle, "; ".join(problems))
    raise ValidationFailed({"handle": [N_("could not be found on its server")]})


def _self_link(document: dict[str, Any]) -> str:
    for link in document.get("links") or []:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        kind = str(link.get("type") or "")
        href = link.get("href")
        if isinstance(href, str) and ("activity+json" in kind or "ld+json" in kind):
            return href
    raise RemoteError("the WebFinger answer names no ActivityPub actor")
