"""Federation's business rules: verb functions on a Session. No Flask, no network:
the callers fetch remote documents and send deliveries (delivery.py, remote.py)."""

from __future__ import annotations

import functools
import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Delete, Integer, Select, bindparam, delete, select
from sqlalchemy.orm import Session

from folio.articles.markdown import sanitise_html
from folio.core.errors import Forbidden, NotFound, ValidationFailed
from folio.core.events import record
from folio.federation.documents import Urls
from folio.federation.events import RemoteInteractionChanged
from folio.federation.models import (
    Delivery,
    DomainBlock,
    ReceivedActivity,
    RemoteActor,
    RemoteComment,
    RemoteFollower,
    RemoteFollowing,
    RemotePost,
    RemoteReaction,
    Tombstone,
)
from folio.federation.queries import not_blocked
from folio.i18n import N_
from folio.models import Article, User, now_utc

URI_MAX = 500
REACTIONS = ("like", "announce")
NOTE_TYPES = frozenset({"Note", "Article", "Page"})
CONTENT_MAX = 100_000


def domain_of(uri: str) -> str:
    return (urlsplit(uri).hostname or "").lower()


def is_blocked(session: Session, uri: str) -> bool:
    """Whether ``uri``'s host, or a domain above it, is blocked."""
    host = domain_of(uri)
    labels = host.split(".")
    candidates = {".".join(labels[i:]) for i in range(len(labels))} or {host}
    return (
        session.scalar(select(DomainBlock.id).where(DomainBlock.domain.in_(candidates))) is not None
    )


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def uri_of(value: Any) -> str | None:
    """The http(s) id a JSON-LD value names (a string, an object's id/href/url, or the
    first of a list), capped; None otherwise."""
    if isinstance(value, dict):
        value = value.get("id") or value.get("href") or value.get("url")
    if isinstance(value, list) and value:
        return uri_of(value[0])
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value[:URI_MAX]
    return None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def save_remote_actor(session: Session, document: dict[str, Any]) -> RemoteActor:
    """Store (or refresh) a remote actor from its fetched document.

    :raises ValidationFailed: the document is not an actor with an id and an inbox.
    """
    uri, inbox = uri_of(document.get("id")), uri_of(document.get("inbox"))
    if not uri or not inbox or domain_of(inbox) != domain_of(uri):
        raise ValidationFailed({"actor": [N_("is not an actor with an id and an inbox")]})
    key = _mapping(document.get("publicKey"))
    endpoints = _mapping(document.get("endpoints"))
    actor = session.scalar(select(RemoteActor).where(RemoteActor.uri == uri))
    if actor is None:
        actor = RemoteActor(uri=uri, inbox=inbox)
        session.add(actor)
    shared = uri_of(endpoints.get("sharedInbox"))
    actor.domain = domain_of(uri)
    actor.inbox = inbox
    actor.shared_inbox = shared if shared and domain_of(shared) == actor.domain else None
    actor.username = _text(document.get("preferredUsername"), 255)
    actor.name = _text(document.get("name"), 255) or actor.username
    actor.url = uri_of(document.get("url"))
    actor.icon_url = uri_of(document.get("icon"))
    key_owner = uri_of(key.get("owner")) if key else None
    if key and key_owner == uri and isinstance(key.get("publicKeyPem"), str):
        actor.key_id = uri_of(key.get("id"))
        actor.public_key_pem = key["publicKeyPem"][:10_000]
    actor.fetched_at = now_utc()
    session.flush()
    return actor


def _changed(session: Session, article_id: int | None) -> None:
    record(session, RemoteInteractionChanged(article_id=article_id))


def first_time(session: Session, activity_id: str, actor_uri: str, kind: str) -> bool:
    """Record an activity's id; False when it was taken in before (a redelivery)."""
    seen = select(ReceivedActivity.id).where(ReceivedActivity.activity_id == activity_id)
    if session.scalar(seen) is not None:
        return False
    session.add(ReceivedActivity(activity_id=activity_id, actor_uri=actor_uri, type=kind[:40]))
    session.flush()
    return True


# --- followers of local authors -----------------------------------------------------------


def add_follower(session: Session, user: User, actor: RemoteActor, follow_id: str) -> None:
    existing = session.scalar(
        select(RemoteFollower).where(
            RemoteFollower.user_id == user.id, RemoteFollower.remote_actor_id == actor.id
        )
    )
    if existing is None:
        session.add(RemoteFollower(user_id=user.id, remote_actor=actor, follow_activity=follow_id))
    else:
        existing.follow_activity = follow_id
    session.flush()


def remove_follower(session: Session, user: User, actor: RemoteActor) -> None:
    session.execute(
        delete(RemoteFollower).where(
            RemoteFollower.user_id == user.id, RemoteFollower.remote_actor_id == actor.id
        )
    )
    session.flush()


def follower_inboxes(session: Session, user_id: int) -> list[str]:
    """Every inbox that must get the author's posts, shared inboxes counted once."""
    actors = session.scalars(_follower_actors(), {"user_id": user_id})
    return list(dict.fromkeys(actor.delivery_inbox for actor in actors))


# Built once, with bound parameters: every article published or changed asks both, and
# building them and their cache keys cost more than running them (most authors have no
# remote follower and most slugs no tombstone).
@functools.cache
def _follower_actors() -> Select[RemoteActor]:
    return (
        select(RemoteActor)
        .join(RemoteFollower, RemoteFollower.remote_actor_id == RemoteActor.id)
        .where(RemoteFollower.user_id == bindparam("user_id", type_=Integer), not_blocked())
        .order_by(RemoteActor.id)
    )


@functools.cache
def _tombstone_removed() -> Delete:
    return delete(Tombstone).where(
        Tombstone.object_uri == bindparam("object_uri", type_=Tombstone.object_uri.type)
    )


# --- deliveries ---------------------------------------------------------------------------


def queue_delivery(
    session: Session,
    user_id: int,
    activity: dict[str, Any],
    inboxes: list[str],
    article_id: int | None = None,
    *,
    dead_after: timedelta | None = None,
) -> list[int]:
    """One pending delivery per inbox (a repeat of the same activity to the same inbox is
    not queued twice); the new deliveries' ids. Hosts that have been failing for
    ``dead_after`` are given up at once."""
    activity_id, kind = str(activity["id"]), str(activity["type"])
    payload = json.dumps(activity, separators=(",", ":"))
    known = set(
        session.scalars(
            select(Delivery.inbox).where(
                Delivery.activity_id == activity_id, Delivery.inbox.in_(inboxes)
            )
        )
    )
    created = []
    for inbox in inboxes:
        if inbox in known:
            continue
        host = domain_of(inbox)
        dead = dead_after is not None and host_is_dead(session, host, dead_after)
        delivery = Delivery(
            activity_id=activity_id,
            activity_type=kind[:40],
            inbox=inbox,
            host=host,
            user_id=user_id,
            article_id=article_id,
            payload=payload,
            state="dead" if dead else "pending",
            last_error="the host has been unreachable for days" if dead else None,
        )
        session.add(delivery)
        created.append(delivery)
    session.flush()
    return [d.id for d in created if d.state == "pending"]


def host_is_dead(session: Session, host: str, dead_after: timedelta) -> bool:
    """A host whose last delivery was given up, with nothing delivered to it since."""
    last = session.scalar(
        select(Delivery.state)
        .where(Delivery.host == host, Delivery.state.in_(("delivered", "dead")))
        .order_by(Delivery.updated_at.desc())
        .limit(1)
    )
    return last == "dead"


def delivery_failed(
    delivery: Delivery,
    error: str,
    *,
    permanent: bool,
    backoff: float,
    max_backoff: float,
    give_up_after: timedelta,
    now: datetime | None = None,
) -> None:
    """Schedule the next attempt with exponential backoff, or give up."""
    now = now or now_utc()
    delivery.attempts += 1
    delivery.last_error = error[:500]
    if permanent:
        delivery.state = "failed"
    elif now - delivery.created_at >= give_up_after:
        delivery.state = "dead"
    else:
        wait = min(backoff * 2 ** (delivery.attempts - 1), max_backoff)
        delivery.next_attempt_at = now + timedelta(seconds=wait)


def delivery_done(delivery: Delivery) -> None:
    delivery.attempts += 1
    delivery.state = "delivered"
    delivery.last_error = None


# --- reactions, replies, posts ------------------------------------------------------------


def local_article(session: Session, urls: Urls, uri: str | None) -> Article | None:
    """The published local article ``uri`` names (its id, or its page with a fragment)."""
    if not uri or not urls.owns(uri):
        return None
    path = uri[len(urls.base) :].split("#", 1)[0].split("?", 1)[0]
    if not path.startswith("/articles/"):
        return None
    slug = path[len("/articles/") :]
    article = session.scalar(select(Article).where(Article.slug == slug))
    return article if article is not None and article.is_published else None


def add_reaction(
    session: Session, article: Article, actor: RemoteActor, kind: str, activity_id: str
) -> None:
    exists = session.scalar(
        select(RemoteReaction.id).where(
            RemoteReaction.article_id == article.id,
            RemoteReaction.remote_actor_id == actor.id,
            RemoteReaction.kind == kind,
        )
    )
    if exists is None:
        session.add(
            RemoteReaction(
                article_id=article.id, remote_actor_id=actor.id, kind=kind, activity_id=activity_id
            )
        )
        session.flush()
        _changed(session, article.id)


def remove_reaction(session: Session, actor: RemoteActor, activity_id: str) -> None:
    result = session.execute(
        delete(RemoteReaction).where(
            RemoteReaction.activity_id == activity_id, RemoteReaction.remote_actor_id == actor.id
        )
    )
    session.flush()
    if getattr(result, "rowcount", 0):
        _changed(session, None)


def _published(obj: dict[str, Any]) -> datetime:
    value = obj.get("published")
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return now_utc()
        if moment.tzinfo is not None:
            return min(moment, now_utc())
    return now_utc()


def _content(obj: dict[str, Any]) -> str:
    raw = obj.get("content")
    if not isinstance(raw, str):
        raw = ""
    # Remote HTML is never trusted: the same nh3 policy as every article.
    return sanitise_html(raw[:CONTENT_MAX])


def save_reply(
    session: Session, article: Article, actor: RemoteActor, obj: dict[str, Any], *, hold: bool
) -> RemoteComment:
    """A remote reply to a local article becomes (or updates) a comment by its author."""
    object_id = uri_of(obj.get("id"))
    if not object_id or domain_of(object_id) != actor.domain:
        raise ValidationFailed({"object": [N_("has no id on the actor's server")]})
    comment = session.scalar(select(RemoteComment).where(RemoteComment.object_id == object_id))
    if comment is not None and comment.remote_actor_id != actor.id:
        raise Forbidden("object", N_("belongs to another actor"))
    if comment is None:
        comment = RemoteComment(
            article_id=article.id,
            remote_actor=actor,
            object_id=object_id,
            state="held" if hold else "visible",
            published_at=_published(obj),
        )
        session.add(comment)
    comment.content_html = _content(obj)
    comment.url = uri_of(obj.get("url")) or object_id
    session.flush()
    _changed(session, article.id)
    return comment


def save_post(session: Session, actor: RemoteActor, obj: dict[str, Any]) -> RemotePost | None:
    """A post by a remote account someone here follows (their Fediverse feed)."""
    object_id = uri_of(obj.get("id"))
    if not object_id or domain_of(object_id) != actor.domain:
        return None
    followed = session.scalar(
        select(RemoteFollowing.id).where(RemoteFollowing.remote_actor_id == actor.id).limit(1)
    )
    if followed is None:
        return None
    post = session.scalar(select(RemotePost).where(RemotePost.object_id == object_id))
    if post is not None and post.remote_actor_id != actor.id:
        return None
    if post is None:
        post = RemotePost(remote_actor=actor, object_id=object_id, published_at=_published(obj))
        session.add(post)
    post.type = _text(obj.get("type"), 40)
    post.name = _text(obj.get("name"), 500) or None
    post.url = uri_of(obj.get("url")) or object_id
    post.content_html = _content(obj)
    session.flush()
    return post


def delete_remote_object(session: Session, actor: RemoteActor, object_id: str) -> int:
    """Remove what the actor deleted (a reply, a post); how many rows went."""
    removed = 0
    for model in (RemoteComment, RemotePost):
        result = session.execute(
            delete(model).where(model.object_id == object_id, model.remote_actor_id == actor.id)
        )
        removed += getattr(result, "rowcount", 0) or 0
    session.flush()
    if removed:
        _changed(session, None)
    return removed


def forget_actor(session: Session, actor: RemoteActor) -> None:
    """The actor deleted themself: their follows, replies, reactions and posts go."""
    session.delete(actor)
    session.flush()
    _changed(session, None)


# --- moderation ---------------------------------------------------------------------------


def _remote_comment(session: Session, comment_id: int) -> tuple[RemoteComment, Article]:
    comment = session.get(RemoteComment, comment_id)
    if comment is None:
        raise NotFound("comment")
    article = session.get(Article, comment.article_id)
    if article is None:
        raise NotFound("comment")
    return comment, article


def remove_remote_comment(session: Session, actor: User, comment_id: int) -> Article:
    """The article's author (or an admin) removes a reply from the fediverse."""
    comment, article = _remote_comment(session, comment_id)
    if actor.id != article.author_id and not actor.is_admin:
        raise Forbidden("comment")
    session.delete(comment)
    session.flush()
    _changed(session, article.id)
    return article


def approve_remote_comment(session: Session, actor: User, comment_id: int) -> Article:
    comment, article = _remote_comment(session, comment_id)
    if actor.id != article.author_id and not actor.is_admin:
        raise Forbidden("comment")
    comment.state = "visible"
    session.flush()
    _changed(session, article.id)
    return article


def normalise_domain(value: str | None) -> str:
    text = (value or "").strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.strip(".").removeprefix("@")
    if not text or len(text) > 255 or any(c.isspace() or c in "/@?#" for c in text):
        raise ValidationFailed({"domain": [N_("is not a host name such as social.example")]})
    return text


def block_domain(session: Session, actor: User, domain: str | None) -> DomainBlock:
    if not actor.is_admin:
        raise Forbidden("domain")
    name = normalise_domain(domain)
    block = session.scalar(select(DomainBlock).where(DomainBlock.domain == name))
    if block is None:
        block = DomainBlock(domain=name)
        session.add(block)
        session.flush()
        _changed(session, None)
    return block


def unblock_domain(session: Session, actor: User, block_id: int) -> None:
    if not actor.is_admin:
        raise Forbidden("domain")
    session.execute(delete(DomainBlock).where(DomainBlock.id == block_id))
    session.flush()
    _changed(session, None)


# --- tombstones ---------------------------------------------------------------------------


def bury(session: Session, object_uri: str) -> None:
    if session.scalar(select(Tombstone.id).where(Tombstone.object_uri == object_uri)) is None:
        session.add(Tombstone(object_uri=object_uri))
        session.flush()


def unbury(session: Session, object_uri: str) -> None:
    session.execute(_tombstone_removed(), {"object_uri": object_uri})
    session.flush()


# --- following remote accounts -----------------------------------------------------------


def follow_remote(
    session: Session, user: User, actor: RemoteActor, urls: Urls
) -> tuple[RemoteFollowing, dict[str, Any] | None]:
    """Start following a remote account; the Follow activity to send (None: already)."""
    if is_blocked(session, actor.uri):
        raise Forbidden("handle", N_("is on a blocked server"))
    existing = session.scalar(
        select(RemoteFollowing).where(
            RemoteFollowing.user_id == user.id, RemoteFollowing.remote_actor_id == actor.id
        )
    )
    if existing is not None and existing.accepted:
        return existing, None
    me = urls.actor(user.username)
    follow_id = f"{me}#follows/{uuid.uuid4().hex}"
    if existing is None:
        existing = RemoteFollowing(user_id=user.id, remote_actor=actor, follow_activity=follow_id)
        session.add(existing)
    else:
        existing.follow_activity = follow_id
    session.flush()
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": follow_id,
        "type": "Follow",
        "actor": me,
        "object": actor.uri,
    }
    return existing, activity


def unfollow_remote(
    session: Session, user: User, actor_id: int, urls: Urls
) -> tuple[RemoteActor, dict[str, Any]]:
    following = session.scalar(
        select(RemoteFollowing).where(
            RemoteFollowing.user_id == user.id, RemoteFollowing.remote_actor_id == actor_id
        )
    )
    if following is None:
        raise NotFound("following")
    actor = following.remote_actor
    me = urls.actor(user.username)
    undo = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{following.follow_activity}/undo",
        "type": "Undo",
        "actor": me,
        "object": {
            "id": following.follow_activity,
            "type": "Follow",
            "actor": me,
            "object": actor.uri,
        },
    }
    session.delete(following)
    session.flush()
    return actor, undo


def accept_following(session: Session, actor: RemoteActor, follow: Any) -> bool:
    """The remote account accepted a local reader's Follow."""
    follow_id = uri_of(follow)
    stmt = select(RemoteFollowing).where(RemoteFollowing.remote_actor_id == actor.id)
    if follow_id:
        stmt = stmt.where(RemoteFollowing.follow_activity == follow_id)
    following = session.scalars(stmt).first()
    if following is None:
        return False
    following.accepted = True
    session.flush()
    return True


def reject_following(session: Session, actor: RemoteActor, follow: Any) -> None:
    follow_id = uri_of(follow)
    stmt = delete(RemoteFollowing).where(RemoteFollowing.remote_actor_id == actor.id)
    if follow_id:
        stmt = stmt.where(RemoteFollowing.follow_activity == follow_id)
    session.execute(stmt)
    session.flush()
