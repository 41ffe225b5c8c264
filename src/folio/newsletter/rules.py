"""Newsletter rules: who is subscribed to what, who gets an article, and the sends.

One rule answers "who gets this article by email" (:func:`recipients`): the confirmed
subscribers of its author and of the whole site, and the members who follow the author
with email notifications on, each address once. One rule unsubscribes an address from
all of that (:func:`unsubscribe_address`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from folio.accounts.rules import find_user_by_username, normalise_email
from folio.core.errors import Forbidden, NotFound, ValidationFailed
from folio.core.events import record
from folio.i18n import N_, Problem
from folio.models import Article, Follow, Send, Subscriber, User, now_utc
from folio.newsletter import events
from folio.newsletter.models import EMAIL_MAX, SendStatus

SOURCES = ("form", "api", "import")


def normalise_address(raw: Any) -> str:
    """The canonical (lower-cased) address, or a ValidationFailed naming ``email``."""
    if not isinstance(raw, str):
        raise ValidationFailed({"email": [N_("must be an email address")]})
    too_long = Problem(N_("is too long (maximum is %(count)s characters)"), count=EMAIL_MAX)
    if len(raw) > EMAIL_MAX:
        raise ValidationFailed({"email": [too_long]})
    address, problems = normalise_email(raw)
    if problems:
        raise ValidationFailed({"email": problems})
    if len(address) > EMAIL_MAX:
        raise ValidationFailed({"email": [too_long]})
    return address


def list_owner(session: Session, username: str | None) -> User | None:
    """The author whose list a form names (None: the whole site's list).

    :raises NotFound: no active author by that name.
    """
    if not username:
        return None
    user = find_user_by_username(session, username)
    if user is None or not user.is_active:
        raise NotFound("author")
    return user


def list_owner_by_id(session: Session, author_id: int | None) -> User | None:
    """The author of a list named by id (a confirmation link), None for the site's."""
    return session.get(User, author_id) if author_id is not None else None


def is_subscribed(session: Session, email: str, author_id: int | None) -> bool:
    scope = (
        Subscriber.author_id.is_(None) if author_id is None else Subscriber.author_id == author_id
    )
    return session.scalar(select(Subscriber.id).where(Subscriber.email == email, scope)) is not None


def _insert_ignoring(session: Session, table: Any, rows: list[dict[str, Any]]) -> int:
    """Insert rows, skipping those a unique constraint already holds; the number added."""
    if not rows:
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing()
    if len(rows) == 1:
        return _rowcount(session.execute(statement.values(rows[0])))
    # Many rows: one statement compiled once, sent in batches (insertmanyvalues); a
    # VALUES clause of 500 literal rows costs more to compile than to run.
    result = session.execute(statement, rows)
    return max(_rowcount(result), 0)


def _rowcount(result: Any) -> int:
    # DML results carry rowcount (CursorResult); the Result type does not say so.
    return int(getattr(result, "rowcount", 0) or 0)


def confirm(
    session: Session,
    email: str,
    author_id: int | None,
    source: str = "form",
    locale: str | None = None,
) -> bool:
    """Put a confirmed address on a list; True if it was not on it already. ``locale``
    is the language the reader subscribed in (their mails are written in it).

    Confirming twice (a link clicked again) changes nothing.
    """
    if author_id is not None:
        author = session.get(User, author_id)
        if author is None or not author.is_active:
            raise NotFound("author")
    row = {
        "email": email,
        "author_id": author_id,
        "source": source,
        "created_at": now_utc(),
        "locale": locale,
    }
    added = _insert_ignoring(session, Subscriber.__table__, [row]) > 0
    if added:
        subscriber_id = session.scalar(
            select(Subscriber.id).where(
                Subscriber.email == email,
                Subscriber.author_id.is_(None)
                if author_id is None
                else Subscriber.author_id == author_id,
            )
        )
        record(
            session,
            events.SubscriberConfirmed(subscriber_id=int(subscriber_id or 0), author_id=author_id),
        )
    return added


def locales_of(session: Session, email: str, author_id: int | None = None) -> list[str | None]:
    """The languages an address is known to read, best first: the member's setting (a
    member with that address), then the language it subscribed to ``author_id``'s list
    in, then the site list's, then any other list's (newest first)."""
    member = session.scalar(select(User.locale).where(User.email == email))
    rows = session.execute(
        select(Subscriber.author_id, Subscriber.locale)
        .where(Subscriber.email == email, Subscriber.locale.is_not(None))
        .order_by(Subscriber.created_at.desc(), Subscriber.id.desc())
    ).all()

    def rank(row: Any) -> int:
        if author_id is not None and row.author_id == author_id:
            return 0
        return 1 if row.author_id is None else 2

    return [member, *(row.locale for row in sorted(rows, key=rank))]


def unsubscribe_address(session: Session, email: str) -> int:
    """Stop every article email to ``email``: it leaves every list, and the member with
    that address (if any) stops getting notification emails. The number of lists left."""
    removed = _rowcount(session.execute(delete(Subscriber).where(Subscriber.email == email)))
    member = session.scalar(select(User).where(User.email == email))
    if member is not None:
        member.email_notifications = False
    session.flush()
    record(session, events.AddressUnsubscribed(removed=int(removed)))
    return int(removed)


def _owns_list(actor: User, author_id: int | None) -> bool:
    return actor.id == author_id if author_id is not None else actor.is_admin


def check_list_access(actor: User, author_id: int | None) -> None:
    """:raises Forbidden: only the author manages their list, only admins the site's."""
    if not _owns_list(actor, author_id):
        raise Forbidden("subscribers")


def remove_subscriber(
    session: Session, actor: User, subscriber_id: int, author_id: int | None
) -> None:
    """Remove one address from the actor's list (or the site's, for an admin).

    :raises NotFound: not on that list (another writer's subscriber is not found either).
    """
    check_list_access(actor, author_id)
    # An id beyond INTEGER is no row (and no database error).
    subscriber = session.get(Subscriber, subscriber_id) if 0 < subscriber_id < 2**31 else None
    if subscriber is None or subscriber.author_id != author_id:
        raise NotFound("subscriber")
    session.delete(subscriber)
    session.flush()
    record(session, events.SubscriberRemoved(subscriber_id=subscriber_id, author_id=author_id))


def import_confirmed(
    session: Session, actor: User, emails: Sequence[str], author_id: int | None
) -> int:
    """Add addresses whose consent the writer affirmed; those already there are kept.
    The number added."""
    check_list_access(actor, author_id)
    now = now_utc()
    rows = [
        {"email": email, "author_id": author_id, "source": "import", "created_at": now}
        for email in emails
    ]
    added = 0
    for start in range(0, len(rows), 500):
        added += _insert_ignoring(session, Subscriber.__table__, rows[start : start + 500])
    return added


# --- who gets an article -----------------------------------------------------------------


def recipients(session: Session, article: Article) -> list[str]:
    """Every address that gets ``article`` by email, each once, sorted; the author's own
    address is left out. Nobody, when the article is not published or not to be sent."""
    if not article.is_published or not article.send_email:
        return []
    subscribers = select(Subscriber.email).where(
        (Subscriber.author_id == article.author_id) | Subscriber.author_id.is_(None)
    )
    followers = (
        select(User.email)
        .join(Follow, Follow.follower_id == User.id)
        .where(
            Follow.followee_id == article.author_id,
            User.is_active.is_(True),
            User.email_notifications.is_(True),
        )
    )
    author_email = session.scalar(select(User.email).where(User.id == article.author_id))
    found = set(session.scalars(subscribers)) | set(session.scalars(followers))
    found.discard(author_email or "")
    return sorted(found)


def queue_sends(session: Session, article_id: int, emails: Iterable[str]) -> int:
    """One pending send per address not queued for this article before; the number new."""
    rows = [{"article_id": article_id, "email": e, "status": SendStatus.PENDING} for e in emails]
    added = 0
    for start in range(0, len(rows), 500):
        chunk = [dict(row, attempts=0) for row in rows[start : start + 500]]
        added += _insert_ignoring(session, Send.__table__, chunk)
    return added


def pending_sends(session: Session, article_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Send.id)
            .where(Send.article_id == article_id, Send.status == SendStatus.PENDING)
            .order_by(Send.id)
        )
    )


def articles_with_pending_sends(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(Send.article_id)
            .where(Send.status.in_((SendStatus.PENDING, SendStatus.SENDING)))
            .distinct()
            .order_by(Send.article_id)
        )
    )


def claim_send(session: Session, send_id: int) -> Send | None:
    """Take a pending send for this worker (pending -> sending in one UPDATE): exactly one
    of any number of workers gets it. The send, or None when another had it."""
    claimed = _rowcount(
        session.execute(
            update(Send)
            .where(Send.id == send_id, Send.status == SendStatus.PENDING)
            .values(status=SendStatus.SENDING, claimed_at=now_utc(), attempts=Send.attempts + 1)
        )
    )
    if not claimed:
        return None
    send = session.get(Send, send_id)
    if send is not None:
        session.refresh(send)
    return send


def finish_send(session: Session, send_id: int, *, sent: bool) -> None:
    """Mark a claimed send sent, or give it back (pending) when the message did not go."""
    values: dict[str, Any] = (
        {"status": SendStatus.SENT, "sent_at": now_utc()}
        if sent
        else {"status": SendStatus.PENDING, "claimed_at": None}
    )
    session.execute(
        update(Send).where(Send.id == send_id, Send.status == SendStatus.SENDING).values(**values)
    )


def give_up_stale_claims(session: Session, article_id: int, older_than: timedelta) -> int:
    """Claims whose worker died mid-send: their message may have left, so they are marked
    ``unknown`` and never sent again (at most once)."""
    return _rowcount(
        session.execute(
            update(Send)
            .where(
                Send.article_id == article_id,
                Send.status == SendStatus.SENDING,
                Send.claimed_at < now_utc() - older_than,
            )
            .values(status=SendStatus.UNKNOWN)
        )
    )


def send_counts(session: Session, article_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Send.status, func.count()).where(Send.article_id == article_id).group_by(Send.status)
    )
    return {status: int(count) for status, count in rows}
