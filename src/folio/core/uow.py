"""The unit of work: one commit per request, command or task, then the effects.

``with unit_of_work() as uow:`` gives the session the rules work on. Leaving the block
commits once; only then are the domain events the rules recorded dispatched to their
subscribers (cache invalidation, list totals, email; later federation, webhooks,
newsletters, stats). An exception rolls back and drops the events. Nested blocks on
the same session join the outer one, so a rule may call another without committing
half of the work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.orm import Session

from folio.core import events
from folio.database import writing
from folio.extensions import db

_DEPTH = "folio.uow.depth"
_KEPT = "folio.uow.kept"
# Enough for what one write inserts (an article, its tags and revision); a bulk unit of
# work (an import) keeps no more than this alive.
KEPT_MAX = 64
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class UnitOfWork:
    session: Session

    def record(self, event: events.DomainEvent) -> None:
        events.record(self.session, event)


@contextmanager
def unit_of_work(session: Session | None = None) -> Iterator[UnitOfWork]:
    """Run the block as one transaction and dispatch its events after the commit."""
    session = session if session is not None else db.session()
    depth = session.info.get(_DEPTH, 0)
    with _inserted_objects_kept(session) if depth == 0 else nullcontext():
        yield from _run(session, depth)


def _run(session: Session, depth: int) -> Iterator[UnitOfWork]:
    if depth == 0:
        # Events recorded by writes that were committed outside any unit of work (a
        # test's direct service call) must not fire with this one.
        events.take(session)
    session.info[_DEPTH] = depth + 1
    try:
        with ExitStack() as outermost:
            if depth == 0:
                # On SQLite the transaction takes the write lock when it begins, in a
                # command or task as in a writing request (folio.database).
                outermost.enter_context(writing(session))
            yield UnitOfWork(session)
            if depth == 0:
                session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
            events.take(session)
        raise
    finally:
        session.info[_DEPTH] = depth
    if depth == 0:
        events.dispatch(events.take(session))


@contextmanager
def _inserted_objects_kept(session: Session) -> Iterator[None]:
    """Keep the rows the block inserts loaded until its events have been dispatched.

    The session's identity map holds objects weakly: once a view has returned, the
    article it created is gone from it, and a subscriber's ``session.get`` of that
    article (federation, webhooks) would read the row back. A subscriber's own unit of
    work runs inside this one's dispatch and leaves the list to it.
    """
    if _KEPT in session.info:
        yield
        return
    _listen_for_inserts()
    session.info[_KEPT] = []
    try:
        yield
    finally:
        del session.info[_KEPT]


def _keep_inserted(session: Session, instance: object) -> None:
    kept = session.info.get(_KEPT)
    if kept is not None and len(kept) < KEPT_MAX:
        kept.append(instance)


def _listen_for_inserts() -> None:
    # On first use rather than at import: importing a module has no side effects.
    global _listening
    if not _listening:
        event.listen(Session, "pending_to_persistent", _keep_inserted)
        _listening = True


_listening = False


def current_session() -> Session:
    """The request's (or command's, or task's) session: for reads, or for the rules a
    :func:`transactional` view calls."""
    return db.session()


def transactional(view: F) -> F:
    """Run a whole view as one unit of work (Indico's ``RH.process``): it commits when the
    view returns, rolls back when it raises, then dispatches the events."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with unit_of_work():
            return view(*args, **kwargs)

    return cast(F, wrapper)
