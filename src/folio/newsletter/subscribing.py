"""Asking to subscribe: what the page's form and ``POST /api/v1/newsletter/subscriptions``
both do, so both answer alike.

Nothing is stored: a confirmation mail carries the request in its signed link. The
answer never says whether the address was new, already subscribed or a member's (no
enumeration); an address already on the list gets no mail at all, and the per-address
rate limit (``RATELIMIT_NEWSLETTER_ACCOUNT``) caps what anyone can send to a victim.
"""

from __future__ import annotations

from typing import Any

from folio.core.uow import unit_of_work
from folio.i18n import N_
from folio.newsletter import rules
from folio.tasks import run_task

# The API answers it in English; the page says it in the reader's language.
NEUTRAL_ANSWER = N_(
    "Check your inbox: if this address can subscribe, a confirmation link is on its way. "
    "Nothing is sent until you confirm."
)


def request_subscription(
    raw_email: Any, author_username: str | None, locale: str | None = None
) -> None:
    """Mail a confirmation link unless the address is on that list already. ``locale``
    is the language the reader asked in (a page's): the mail is written in it, and the
    subscription keeps it.

    :raises ValidationFailed: the address is malformed (``email``).
    :raises NotFound: no such author (``author``).
    """
    email = rules.normalise_address(raw_email)
    # The reads end with their transaction, before the mail is queued: an eager task in
    # this request opens a session of its own (on SQLite it would wait for our lock).
    with unit_of_work() as uow:
        author = rules.list_owner(uow.session, author_username)
        author_id = author.id if author is not None else None
        if rules.is_subscribed(uow.session, email, author_id):
            return
    run_task("newsletter_confirmation", email, author_id, locale)
