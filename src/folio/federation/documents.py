"""The ActivityPub (JSON-LD) documents Folio serves and sends. No Flask: every URL is
derived from the site's public base (``PUBLIC_URL``), never from a request's Host."""

from __future__ import annotations

import mimetypes
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import escape

from folio.federation.models import Tombstone
from folio.media.variants import keys_in_text, media_path
from folio.models import Article, User

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
# The terms Folio uses beyond the two contexts, defined as Mastodon defines them, so a
# JSON-LD processor keeps them (pyld or any expansion drops undefined terms).
EXTENSIONS = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "Hashtag": "as:Hashtag",
    "toot": "http://joinmastodon.org/ns#",
    "discoverable": "toot:discoverable",
}
CONTEXT: list[Any] = [AS_CONTEXT, SECURITY_CONTEXT, EXTENSIONS]
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# Fedify writes the public audience as the compact "as:Public"; some write "Public".
PUBLIC_FORMS = frozenset({PUBLIC, "as:Public", "Public"})
ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


@dataclass(frozen=True)
class Urls:
    """Where everything federated lives, under the site's public base URL."""

    base: str

    def actor(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    def key_id(self, username: str) -> str:
        return f"{self.actor(username)}#main-key"

    def profile(self, username: str) -> str:
        return f"{self.base}/@{username}"

    def article(self, slug: str) -> str:
        return f"{self.base}/articles/{slug}"

    def tag(self, name: str) -> str:
        return f"{self.base}/tags/{name}"

    def media(self, key: str) -> str:
        return f"{self.base}{media_path(key)}"

    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    @property
    def host(self) -> str:
        return self.base.split("://", 1)[1].split("/", 1)[0]

    def owns(self, uri: str) -> bool:
        return uri == self.base or uri.startswith(self.base + "/")


def person(urls: Urls, user: User, public_pem: str) -> dict[str, Any]:
    actor = urls.actor(user.username)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": actor,
        "type": "Person",
        "preferredUsername": user.username,
        "name": user.name,
        "summary": _paragraph(user.bio),
        "url": urls.profile(user.username),
        "inbox": f"{actor}/inbox",
        "outbox": f"{actor}/outbox",
        "followers": f"{actor}/followers",
        "following": f"{actor}/following",
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "published": iso(user.created_at),
        "publicKey": {"id": urls.key_id(user.username), "owner": actor, "publicKeyPem": public_pem},
    }
    icon = _icon(urls, user)
    if icon:
        document["icon"] = icon
    return document


def _paragraph(text: str | None) -> str:
    return f"<p>{escape(text)}</p>" if text else ""


def _icon(urls: Urls, user: User) -> dict[str, str] | None:
    if user.avatar_key:
        url = urls.media(user.avatar_key)
    elif user.image_url and user.image_url.startswith("https://"):
        url = user.image_url
    else:
        return None
    kind = mimetypes.guess_type(url)[0] or "image/jpeg"
    return {"type": "Image", "mediaType": kind, "url": url}


def article_object(urls: Urls, article: Article, author: User) -> dict[str, Any]:
    """An ``Article``: name, sanitised HTML content, summary, hashtags, images."""
    actor = urls.actor(author.username)
    url = urls.article(article.slug)
    document: dict[str, Any] = {
        "id": url,
        "type": "Article",
        "name": article.title,
        "content": article.body_html,
        "mediaType": "text/html",
        "summary": article.description or None,
        "url": url,
        "attributedTo": actor,
        "published": iso(article.published_at),
        "updated": iso(article.updated_at),
        "to": [PUBLIC],
        "cc": [f"{actor}/followers"],
        "tag": [
            {"type": "Hashtag", "href": urls.tag(name), "name": f"#{name}"}
            for name in article.tag_names
        ],
        "attachment": _attachments(urls, article),
    }
    if article.language:
        # The article's own language, as ActivityStreams natural-language maps say it
        # (Mastodon reads contentMap's key as the post's language).
        document["contentMap"] = {article.language: article.body_html}
        document["nameMap"] = {article.language: article.title}
        if article.description:
            document["summaryMap"] = {article.language: article.description}
    return document


def _attachments(urls: Urls, article: Article) -> list[dict[str, Any]]:
    keys: list[str] = []
    cover = article.__dict__.get("cover")
    if cover is not None:
        keys.append(cover.original_key)
    keys += sorted(keys_in_text(article.body) - set(keys))
    return [
        {
            "type": "Image",
            "mediaType": mimetypes.guess_type(key)[0] or "image/jpeg",
            "url": urls.media(key),
            "name": article.title if index == 0 and cover is not None else "",
        }
        for index, key in enumerate(keys)
    ]


def with_context(document: dict[str, Any]) -> dict[str, Any]:
    return {"@context": CONTEXT, **{k: v for k, v in document.items() if v is not None}}


def activity(
    kind: str, activity_id: str, actor: str, obj: Any, *, to: list[str], cc: list[str]
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": activity_id,
        "type": kind,
        "actor": actor,
        "object": obj,
    }
    if to:
        document["to"] = to
    if cc:
        document["cc"] = cc
    return document


def create_article(urls: Urls, article: Article, author: User, kind: str = "Create") -> dict:
    """``Create`` (or ``Update``) of the article, to Public, cc the author's followers."""
    obj = {k: v for k, v in article_object(urls, article, author).items() if v is not None}
    actor = urls.actor(author.username)
    suffix = "create" if kind == "Create" else f"update-{article.version}"
    return activity(
        kind,
        f"{urls.article(article.slug)}#{suffix}",
        actor,
        obj,
        to=[PUBLIC],
        cc=[f"{actor}/followers"],
    )


def delete_object(urls: Urls, object_uri: str, username: str, stamp: str) -> dict[str, Any]:
    actor = urls.actor(username)
    return activity(
        "Delete",
        f"{object_uri}#delete-{stamp}",
        actor,
        {"id": object_uri, "type": "Tombstone"},
        to=[PUBLIC],
        cc=[f"{actor}/followers"],
    )


def tombstone(entry: Tombstone) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": entry.object_uri,
        "type": "Tombstone",
        "formerType": entry.former_type,
        "deleted": iso(entry.deleted_at),
    }


def ordered_collection(collection_id: str, total: int, first: str | None = None) -> dict:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if first:
        document["first"] = first
    return document


def collection_page(
    page_id: str, part_of: str, items: list[Any], next_page: str | None
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": items,
    }
    if next_page:
        document["next"] = next_page
    return document


def webfinger(urls: Urls, username: str) -> dict[str, Any]:
    return {
        "subject": f"acct:{username}@{urls.host}",
        "aliases": [urls.actor(username), urls.profile(username)],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": urls.actor(username)},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": urls.profile(username),
            },
        ],
    }


def nodeinfo(version: str, users: int, posts: int, open_registrations: bool) -> dict[str, Any]:
    return {
        "version": "2.1",
        "software": {"name": "folio", "version": version},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0"]},
        "openRegistrations": open_registrations,
        "usage": {"users": {"total": users}, "localPosts": posts},
        "metadata": {},
    }


def host_meta(base: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{base}/.well-known/webfinger?resource={{uri}}"/>\n'
        "</XRD>\n"
    )


def prefers_activity_json(accept: str) -> bool:
    """Whether an ``Accept`` header asks for ActivityStreams JSON rather than a page:
    ``application/activity+json`` or ``application/ld+json`` ranked at least as high as
    ``text/html``. The page and the public cache's key (folio.caching) both ask this."""
    best_ap, best_html = 0.0, 0.0
    for item in accept.lower().split(","):
        kind, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if kind in ("application/activity+json", "application/ld+json"):
            best_ap = max(best_ap, quality)
        elif kind in ("text/html", "application/xhtml+xml"):
            best_html = max(best_html, quality)
    return best_ap > 0 and best_ap >= best_html


def reply_note(urls: Urls, username: str, in_reply_to: str, to_actor: str, text: str) -> dict:
    """``Create`` of a public ``Note`` replying to a remote post, from a local reader."""
    actor = urls.actor(username)
    note_id = f"{actor}/notes/{uuid.uuid4().hex}"
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    cc = [to_actor, f"{actor}/followers"]
    note = {
        "id": note_id,
        "type": "Note",
        "attributedTo": actor,
        "inReplyTo": in_reply_to,
        "content": paragraphs,
        "published": iso(datetime.now(UTC)),
        "to": [PUBLIC],
        "cc": cc,
        "url": note_id,
    }
    return activity("Create", f"{note_id}#create", actor, note, to=[PUBLIC], cc=cc)


def like(urls: Urls, username: str, object_id: str) -> dict[str, Any]:
    actor = urls.actor(username)
    return activity("Like", f"{actor}#likes/{uuid.uuid4().hex}", actor, object_id, to=[], cc=[])
