"""What a newsletter mail says: the confirmation, and an article (HTML and plain text).

The article's HTML part is the page's sanitised body in a small template whose styles are
inlined by css-inline (mail clients drop <style> blocks and never load stylesheets);
every link and image points at ``PUBLIC_URL``, since a mail has no page to be relative to.

Each is written in the recipient's language (``locale``; the site's when none is known):
the frame is translated, the article itself is content and stays as it was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import css_inline
from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from folio.i18n import supported
from folio.i18n.setup import mail_locale
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


def confirmation(email: str, author: User | None, locale: str | None = None) -> Message:
    """The confirmation link, in ``locale``. The link carries the language (``?lang=``),
    so its page reads as the mail did and the subscription keeps it."""
    url = links.confirm_url(email, author.id if author else None)
    if language := supported(locale):
        url = f"{url}?lang={language}"
    hours = int(current_app.config["NEWSLETTER_CONFIRM_MAX_AGE"]) // 3600
    with force_locale(mail_locale(locale)):
        if author is not None:
            asked = _(
                "Someone (we hope you) asked to get new articles by %(name)s by email at "
                "%(email)s.",
                name=author.name,
                email=email,
            )
            subject = _("Confirm your subscription to new articles by %(name)s", name=author.name)
        else:
            asked = _(
                "Someone (we hope you) asked to get new articles on Folio by email at %(email)s.",
                email=email,
            )
            subject = _("Confirm your subscription to new articles on Folio")
        within = ngettext(
            "Confirm within %(num)s hour by opening this link:",
            "Confirm within %(num)s hours by opening this link:",
            hours,
        )
        ignore = _("If it was not you, ignore this email: nothing more will be sent to you.")
    text = f"{asked}\n\n{within}\n\n{url}\n\n{ignore}\n"
    return Message(subject=subject, text=text)


def article_message(
    article: Article, author: User, email: str, locale: str | None = None
) -> Message:
    """The article as a mail to ``email`` (its own unsubscribe link and headers), its
    frame written in ``locale``."""
    read_online = external_url("", "web.article", slug=article.slug)
    unsubscribe = links.unsubscribe_url(email)
    with force_locale(mail_locale(locale)):
        html = render_template(
            "newsletter/email_article.html",
            article=article,
            author=author,
            body_html=absolute_urls(article.body_html),
            read_online=read_online,
            unsubscribe=unsubscribe,
        )
        byline = _("by %(name)s", name=author.name)
        online = _("Read it online: %(url)s", url=read_online)
        why = _(
            "You get this because you asked for new articles by %(name)s (or all of Folio), "
            "or follow them.",
            name=author.name,
        )
        stop = _("Unsubscribe in one click: %(url)s", url=unsubscribe)
        subject = _(
            "%(name)s published \u201c%(title)s\u201d", name=author.name, title=article.title
        )
    text = (
        f"{article.title}\n{byline}\n\n{article.description}\n\n"
        f"{article.body.strip()}\n\n---\n{online}\n\n{why}\n{stop}\n"
    )
    return Message(
        subject=subject,
        text=text,
        html=_INLINER.inline(html),
        headers=links.unsubscribe_headers(unsubscribe),
    )
