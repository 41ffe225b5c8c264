"""What a newsletter mail says: the confirmation, and an article (HTML and plain text).

The article's HTML part is the page's sanitised body in a small template whose styles are
inlined by css-inline (mail clients drop <style> blocks and never load stylesheets);
every link and image points at ``PUBLIC_URL``, since a mail has no page to be relative to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import css_inline
from flask import current_app, render_template

from folio.models import Article, User
from folio.newsletter import links
from folio.tasks import external_url

# src, href and srcset values that start at the site's root ("/media/…", "/articles/…").
_ROOTED = re.compile(r'(?P<attr>\b(?:src|href|srcset))="(?P<value>/[^"]*)"')
_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _site_root() -> str:
    return str(current_app.config["PUBLIC_URL"]).rstrip("/") + "/"


def absolute_urls(html: str) -> str:
    """Root-relative links and images (and each URL of a srcset) made absolute."""
    root = _site_root()

    def absolute(match: re.Match[str]) -> str:
        value = match.group("value")
        if match.group("attr") == "srcset":
            parts = [part.strip().split(" ", 1) for part in value.split(",")]
            value = ", ".join(" ".join([urljoin(root, p[0]), *p[1:]]) for p in parts if p[0])
        else:
            value = urljoin(root, value)
        return f'{match.group("attr")}="{value}"'

    return _ROOTED.sub(absolute, html)


def confirmation(email: str, author: User | None) -> Message:
    url = links.confirm_url(email, author.id if author else None)
    what = f"new articles by {author.name}" if author else "new articles on Folio"
    hours = int(current_app.config["NEWSLETTER_CONFIRM_MAX_AGE"]) // 3600
    text = (
        f"Someone (we hope you) asked to get {what} by email at {email}.\n\n"
        f"Confirm within {hours} hours by opening this link:\n\n{url}\n\n"
        "If it was not you, ignore this email: nothing more will be sent to you.\n"
    )
    return Message(subject=f"Confirm your subscription to {what}", text=text)


def article_message(article: Article, author: User, email: str) -> Message:
    """The article as a mail to ``email`` (its own unsubscribe link and headers)."""
    read_online = external_url("", "web.article", slug=article.slug)
    unsubscribe = links.unsubscribe_url(email)
    html = render_template(
        "newsletter/email_article.html",
        article=article,
        author=author,
        body_html=absolute_urls(article.body_html),
        read_online=read_online,
        unsubscribe=unsubscribe,
    )
    text = (
        f"{article.title}\nby {author.name}\n\n{article.description}\n\n"
        f"{article.body.strip()}\n\n---\nRead it online: {read_online}\n\n"
        f"You get this because you asked for new articles by {author.name} (or all of\n"
        "Folio), or follow them.\n"
        f"Unsubscribe in one click: {unsubscribe}\n"
    )
    return Message(
        subject=f"{author.name} published \u201c{article.title}\u201d",
        text=text,
        html=_INLINER.inline(html),
        headers=links.unsubscribe_headers(unsubscribe),
    )
