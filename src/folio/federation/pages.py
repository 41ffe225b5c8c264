"""Every federation route: discovery (WebFinger, NodeInfo, host-meta), the ActivityPub
documents and inboxes, content negotiation on profiles and articles, and the pages
(Fediverse feed, following by handle, deliveries, domain blocks)."""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import login_required

from folio.core.errors import DomainError
from folio.core.outbound import OutboundRefused, fetch
from folio.core.uow import current_session, unit_of_work
from folio.extensions import csrf, limiter
from folio.federation import delivery, documents, inbox, keys, queries, remote, rules
from folio.federation.forms import DomainForm, HandleForm, ReplyForm
from folio.federation.models import RemoteActor, RemotePost
from folio.models import User
from folio.security import rate_limit
from folio.web import bp
from folio.web.helpers import admin_required, apply_errors, no_store, signed_in_user, viewer

NEGOTIATED = frozenset({"web.profile", "web.article"})
JSON_TYPE = f"{documents.ACTIVITY_JSON}; charset=utf-8"


def activity_json(document: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(document)
    response.status_code = status
    response.mimetype = documents.ACTIVITY_JSON
    response.headers["Content-Type"] = JSON_TYPE
    response.vary.add("Accept")
    return response


def _enabled() -> None:
    if not remote.enabled():
        abort(404)


def _actor_user(username: str) -> User:
    _enabled()
    user = queries.local_user(current_session(), username)
    if user is None:
        abort(404)
    return user


# --- discovery ------------------------------------------------------------------------------


@bp.get("/.well-known/webfinger")
def webfinger() -> Any:
    _enabled()
    resource = request.args.get("resource", "")
    urls = remote.urls()
    username = None
    if resource.startswith("acct:"):
        name, _, host = resource[5:].lstrip("@").rpartition("@")
        username = name if host.lower() == urls.host.lower() else None
    elif urls.owns(resource):
        path = resource[len(urls.base) :]
        for prefix in ("/users/", "/@"):
            if path.startswith(prefix):
                username = path[len(prefix) :]
    user = queries.local_user(current_session(), username) if username else None
    if user is None:
        return jsonify({"error": "no such account here"}), 404
    response = jsonify(documents.webfinger(urls, user.username))
    response.headers["Content-Type"] = "application/jrd+json; charset=utf-8"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/nodeinfo")
def nodeinfo_index() -> Any:
    _enabled()
    href = f"{remote.urls().base}/nodeinfo/2.1"
    return jsonify(
        {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": href}]}
    )


@bp.get("/nodeinfo/2.1")
def nodeinfo() -> Any:
    _enabled()
    session = current_session()
    document = documents.nodeinfo(
        "0.1.0", queries.active_users(session), queries.published_count(session), True
    )
    response = jsonify(document)
    response.headers["Content-Type"] = (
        'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
    )
    return response


@bp.get("/.well-known/host-meta")
def host_meta() -> Any:
    _enabled()
    return Response(documents.host_meta(remote.urls().base), mimetype="application/xrd+xml")


# --- documents -------------------------------------------------------------------------------


def actor_document(user: User) -> Response:
    with unit_of_work() as uow:
        key = keys.ensure_key(uow.session, user.id, remote.fernet())
        public_pem = key.public_pem
    return activity_json(documents.person(remote.urls(), user, public_pem))


@bp.get("/users/<username>")
def actor(username: str) -> Any:
    user = _actor_user(username)
    if not documents.prefers_activity_json(request.headers.get("Accept", "")):
        return redirect(url_for("web.profile", username=user.username))
    return actor_document(user)


@bp.get("/users/<username>/outbox")
def outbox(username: str) -> Any:
    user = _actor_user(username)
    urls = remote.urls()
    session = current_session()
    collection = f"{urls.actor(user.username)}/outbox"
    page = request.args.get("page", type=int)
    if page is None or page < 1:
        total = queries.published_count(session, user.id)
        return activity_json(
            documents.ordered_collection(collection, total, f"{collection}?page=1")
        )
    per_page = int(current_app.config["FEDERATION_OUTBOX_PAGE_SIZE"])
    articles = queries.outbox_page(session, user, min(page, 10_000), per_page)
    items = [documents.create_article(urls, article, user) for article in articles]
    for item in items:
        item.pop("@context", None)
    next_page = f"{collection}?page={page + 1}" if len(articles) == per_page else None
    return activity_json(
        documents.collection_page(f"{collection}?page={page}", collection, items, next_page)
    )


@bp.get("/users/<username>/followers")
def followers(username: str) -> Any:
    user = _actor_user(username)
    collection = f"{remote.urls().actor(user.username)}/followers"
    total = queries.follower_count(current_session(), user.id)
    return activity_json(documents.ordered_collection(collection, total))


@bp.get("/users/<username>/following")
def following_collection(username: str) -> Any:
    user = _actor_user(username)
    collection = f"{remote.urls().actor(user.username)}/following"
    total = queries.following_count(current_session(), user.id)
    return activity_json(documents.ordered_collection(collection, total))


def article_document(slug: str) -> Response:
    urls = remote.urls()
    session = current_session()
    article = queries.article_for_document(session, slug)
    if article is not None and article.is_published:
        document = documents.with_context(documents.article_object(urls, article, article.author))
        return activity_json(document)
    gone = queries.tombstone(session, urls.article(slug))
    if gone is not None:
        return activity_json(documents.tombstone(gone), 410)
    return activity_json({"error": "not found"}, 404)


def negotiate() -> Any:
    """An ActivityPub client asking for a profile or an article gets its JSON-LD."""
    if request.endpoint not in NEGOTIATED or request.method not in ("GET", "HEAD"):
        return None
    if not remote.enabled():
        return None
    if not documents.prefers_activity_json(request.headers.get("Accept", "")):
        return None
    args = request.view_args or {}
    if request.endpoint == "web.profile":
        return actor_document(_actor_user(str(args.get("username"))))
    return article_document(str(args.get("slug")))


def vary_on_accept(response: Response) -> Response:
    if request.endpoint in NEGOTIATED:
        response.vary.add("Accept")
    return response


# --- inboxes ---------------------------------------------------------------------------------


def _signer_host() -> str:
    """Rate-limit key: the signing server's host (else the client's address)."""
    from urllib.parse import urlsplit

    header = request.headers.get("Signature", "")
    start = header.find('keyId="')
    if start >= 0:
        key_id = header[start + 7 :].split('"', 1)[0]
        host = urlsplit(key_id).hostname
        if host:
            return f"host:{host.lower()}"
    return f"addr:{request.remote_addr}"


_inbox_limit = limiter.limit(
    lambda: str(current_app.config["RATELIMIT_FEDERATION_INBOX"]), key_func=_signer_host
)


@bp.post("/users/<username>/inbox")
@csrf.exempt
@_inbox_limit
def user_inbox(username: str) -> Any:
    return inbox.receive(username)


@bp.post("/inbox")
@csrf.exempt
@_inbox_limit
def shared_inbox() -> Any:
    return inbox.receive(None)


# --- pages: the Fediverse feed, following by handle -------------------------------------------


@bp.get("/feed/fediverse")
@login_required
@no_store
def fediverse_feed() -> Any:
    _enabled()
    user = signed_in_user()
    posts = queries.fediverse_feed(current_session(), user)
    return render_template(
        "federation/fediverse.html", posts=posts, reply_form=ReplyForm(), tab="fediverse"
    )


@bp.route("/federation/following", methods=["GET", "POST"])
@rate_limit("FEDERATION_FOLLOW", methods=["POST"])
@login_required
@no_store
def remote_following() -> Any:
    _enabled()
    user = signed_in_user()
    form = HandleForm()
    if form.validate_on_submit():
        try:
            followed = _follow(user, form.handle.data or "")
        except DomainError as error:
            apply_errors(form, error.errors)
        else:
            flash(_("Follow request sent to %(handle)s.", handle=followed), "success")
            return redirect(url_for("web.remote_following"))
    entries = queries.followings(current_session(), user)
    status = 422 if form.errors else 200
    return render_template("federation/following.html", form=form, entries=entries), status


def _follow(user: User, handle: str) -> str:
    actor = remote.resolve_handle(handle)
    with unit_of_work() as uow:
        _entry, activity = rules.follow_remote(uow.session, user, actor, remote.urls())
        ids = delivery.queue(user.id, activity, [actor.inbox]) if activity else []
    delivery.schedule(ids)
    return actor.handle


@bp.post("/federation/following/<int:actor_id>/delete")
@login_required
def remote_unfollow(actor_id: int) -> Any:
    _enabled()
    user = signed_in_user()
    with unit_of_work() as uow:
        actor, undo = rules.unfollow_remote(uow.session, user, actor_id, remote.urls())
        ids = delivery.queue(user.id, undo, [actor.inbox])
    delivery.schedule(ids)
    flash(_("You no longer follow %(handle)s.", handle=actor.handle), "success")
    return redirect(url_for("web.remote_following"))


def _post(post_id: int) -> RemotePost:
    post = current_session().get(RemotePost, post_id)
    if post is None:
        abort(404)
    return post


@bp.post("/federation/posts/<int:post_id>/reply")
@login_required
def reply_to_post(post_id: int) -> Any:
    _enabled()
    user, post = signed_in_user(), _post(post_id)
    form = ReplyForm()
    text = (form.body.data or "").strip() if form.validate_on_submit() else ""
    if not text or len(text) > 5000:
        flash(
            _("A reply needs between 1 and %(max)s characters.", max=format_number(5000)), "error"
        )
        return redirect(url_for("web.fediverse_feed"))
    urls = remote.urls()
    with unit_of_work():
        activity = documents.reply_note(
            urls, user.username, post.object_id, post.remote_actor.uri, text
        )
        ids = delivery.queue(user.id, activity, [post.remote_actor.inbox])
    delivery.schedule(ids)
    flash(_("Your reply to %(handle)s is on its way.", handle=post.remote_actor.handle), "success")
    return redirect(url_for("web.fediverse_feed"))


@bp.post("/federation/posts/<int:post_id>/like")
@login_required
def like_post(post_id: int) -> Any:
    _enabled()
    user, post = signed_in_user(), _post(post_id)
    urls = remote.urls()
    with unit_of_work():
        activity = documents.like(urls, user.username, post.object_id)
        ids = delivery.queue(user.id, activity, [post.remote_actor.inbox])
    delivery.schedule(ids)
    flash(_("You liked a post by %(handle)s.", handle=post.remote_actor.handle), "success")
    return redirect(url_for("web.fediverse_feed"))


# --- pages: delivery state, moderation, domain blocks -----------------------------------------


@bp.get("/federation/deliveries")
@login_required
@no_store
def deliveries() -> Any:
    _enabled()
    user = signed_in_user()
    return render_template(
        "federation/deliveries.html", deliveries=queries.deliveries(current_session(), user)
    )


@bp.post("/federation/comments/<int:comment_id>/delete")
@login_required
def remove_remote_comment(comment_id: int) -> Any:
    with unit_of_work() as uow:
        article = rules.remove_remote_comment(uow.session, signed_in_user(), comment_id)
    flash(_("The reply is removed."), "success")
    return redirect(url_for("web.article", slug=article.slug, _anchor="fediverse-replies"))


@bp.post("/federation/comments/<int:comment_id>/approve")
@login_required
def approve_remote_comment(comment_id: int) -> Any:
    with unit_of_work() as uow:
        article = rules.approve_remote_comment(uow.session, signed_in_user(), comment_id)
    flash(_("The reply is shown."), "success")
    return redirect(url_for("web.article", slug=article.slug, _anchor="fediverse-replies"))


@bp.route("/admin/federation/blocks", methods=["GET", "POST"])
@admin_required
@no_store
def domain_blocks() -> Any:
    form = DomainForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as uow:
                block = rules.block_domain(uow.session, signed_in_user(), form.domain.data)
        except DomainError as error:
            apply_errors(form, error.errors)
        else:
            flash(_("%(domain)s is blocked.", domain=block.domain), "success")
            return redirect(url_for("web.domain_blocks"))
    blocks = queries.domain_blocks(current_session())
    status = 422 if form.errors else 200
    return render_template("federation/blocks.html", form=form, blocks=blocks, tab="blocks"), status


@bp.post("/admin/federation/blocks/<int:block_id>/delete")
@admin_required
def unblock_domain(block_id: int) -> Any:
    with unit_of_work() as uow:
        rules.unblock_domain(uow.session, signed_in_user(), block_id)
    flash(_("The domain is unblocked."), "success")
    return redirect(url_for("web.domain_blocks"))


AVATAR_EDGE = 128
AVATAR_SECONDS = 24 * 3600


@bp.get("/federation/actors/<int:actor_id>/avatar")
@limiter.limit(lambda: str(current_app.config["RATELIMIT_FEDERATION_AVATAR"]))
def remote_avatar(actor_id: int) -> Any:
    """A remote author's avatar, fetched through the outbound guard and re-encoded here:
    the page's CSP loads no third-party images, and remote bytes are never passed on."""
    from folio.extensions import cache
    from folio.media.processing import ImageLimits, ImageRejected, process_upload

    actor = current_session().get(RemoteActor, actor_id)
    if actor is None or not actor.icon_url:
        abort(404)
    cache_key = f"federation:avatar:{actor.id}:{actor.icon_url}"
    stored = cache.get(cache_key)
    if stored is None:
        try:
            fetched = fetch(actor.icon_url, remote.policy())
            if fetched.status != 200:
                abort(404)
            limits = ImageLimits(
                max_bytes=2 * 1024 * 1024, max_pixels=25_000_000, avatar_edge=AVATAR_EDGE
            )
            image = process_upload(fetched.body, limits, square=True)
        except (OutboundRefused, ImageRejected):
            abort(404)
        stored = (image.data, image.mime)
        cache.set(cache_key, stored, timeout=AVATAR_SECONDS)
    response = Response(stored[0], mimetype=stored[1])
    response.headers["Cache-Control"] = f"public, max-age={AVATAR_SECONDS}"
    return response


def fediverse_handle(user: Any) -> str | None:
    """``@alice@blog.example``: what a reader on Mastodon searches for."""
    return f"@{user.username}@{remote.urls().host}" if remote.enabled() else None


def article_extras(article: Any) -> dict[str, Any]:
    """What an article page shows of the fediverse: reactions and replies."""
    if not remote.enabled():
        return {"likes": 0, "boosts": 0, "replies": []}
    session = current_session()
    user = viewer()
    moderator = user is not None and (user.id == article.author_id or user.is_admin)
    counts = queries.reaction_counts(session, article.id, with_held=moderator)
    replies = (
        queries.remote_comments(session, article.id, with_held=moderator) if counts["reply"] else []
    )
    return {
        "likes": counts["like"],
        "boosts": counts["announce"],
        "replies": replies,
        "moderator": moderator,
    }
