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
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session

from folio.core import events
from folio.database import writing
from folio.extensions import db

_DEPTH = "folio.uow.depth"
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
