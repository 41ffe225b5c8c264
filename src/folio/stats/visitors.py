"""Who a view came from, as little as can be kept: a bot or not, a pseudonymous visitor
hash that changes every day, and the referring host.

No Flask here: the beacon view passes the request's parts in.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import urlsplit

from crawlerdetect import CrawlerDetect

from folio.stats.models import HOST_LENGTH, VISITOR_LENGTH

DIRECT = ""
# A user agent longer than any browser's is not a browser's (and is not worth matching).
_MAX_USER_AGENT = 1024
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
# One detector for the process: it compiles its patterns once and caches answers.
_CRAWLERS = CrawlerDetect()


def is_bot(user_agent: str | None) -> bool:
    """Whether a user agent is a crawler, a script or a headless browser (the maintained
    CrawlerDetect list); no user agent at all counts as a bot, as browsers always send one."""
    agent = (user_agent or "").strip()
    if not agent or len(agent) > _MAX_USER_AGENT:
        return True
    return bool(_CRAWLERS.is_crawler(agent))


def referrer_host(referrer: object, own_hosts: frozenset[str] = frozenset()) -> str:
    """The host a reader came from, or :data:`DIRECT`.

    Only the host of an ``http(s)`` URL is kept (lowercased, IDNA-encoded, without a
    leading ``www.``): never its path or query. Anything else (no referrer, another
    scheme, a malformed or forged value, an IP address, this site itself) is direct.
    """
    if not isinstance(referrer, str) or not referrer or len(referrer) > 2048:
        return DIRECT
    try:
        parts = urlsplit(referrer.strip())
        host = parts.hostname
    except ValueError:
        return DIRECT
    # Browsers never send credentials in a referrer: a value with them is made up.
    if parts.scheme not in ("http", "https") or not host or "@" in parts.netloc:
        return DIRECT
    try:
        host = host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return DIRECT
    if host.startswith("www."):
        host = host[4:]
    if len(host) > HOST_LENGTH or not _HOSTNAME.fullmatch(host) or _is_address(host):
        return DIRECT
    return DIRECT if host in own_hosts else host


def _is_address(host: str) -> bool:
    # An IPv4 literal; IPv6 literals already failed the hostname pattern (colons).
    return all(part.isdigit() for part in host.split("."))


def site_hosts(*urls_or_hosts: str | None) -> frozenset[str]:
    """This site's host names as :func:`referrer_host` writes them (internal links are
    direct, not referrals)."""
    hosts = set()
    for value in urls_or_hosts:
        if not value:
            continue
        url = value if "//" in value else f"http://{value}"
        host = referrer_host(url)
        if host:
            hosts.add(host)
    return frozenset(hosts)


def visitor_hash(salt: bytes, address: str, user_agent: str, article_id: int) -> str:
    """A pseudonymous visitor of one article on one day: HMAC-SHA256 of the address, the
    user agent and the article under that day's random salt, truncated.

    Once the day's salt is deleted nobody, Folio included, can link the hash back to an
    address or to the same reader on another day or another article.
    """
    message = f"{address}\n{user_agent}\n{article_id}".encode("utf-8", "replace")
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:VISITOR_LENGTH]
