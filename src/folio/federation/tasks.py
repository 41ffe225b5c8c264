"""Wiring: the federation's Celery tasks, its event subscribers and request hooks."""

from __future__ import annotations

from celery import shared_task
from flask import Flask

TASK_DELIVER = "folio.tasks.federation_deliver"
TASK_DELIVER_DUE = "folio.tasks.federation_deliver_due"


@shared_task(name=TASK_DELIVER)
def federation_deliver(delivery_id: int) -> str:
    """Sign and send one delivery; a failure is recorded on it with its next attempt
    (exponential backoff, picked up by ``federation_deliver_due``). A delivery already
    sent is skipped, so a redelivered message is harmless."""
    from folio.federation.delivery import send

    return send(delivery_id)


@shared_task(name=TASK_DELIVER_DUE)
def federation_deliver_due() -> int:
    """Queue every delivery whose next attempt is due (beat runs it)."""
    from folio.federation.delivery import deliver_due

    return deliver_due()


def init_federation(app: Flask) -> None:
    from folio.articles import events as article_events
    from folio.core.events import subscribe
    from folio.federation import delivery, pages

    subscribe(delivery.on_published, article_events.ArticlePublished)  # type: ignore[arg-type]
    subscribe(delivery.on_updated, article_events.ArticleUpdated)  # type: ignore[arg-type]
    subscribe(delivery.on_unpublished, article_events.ArticleUnpublished)  # type: ignore[arg-type]
    subscribe(delivery.on_deleted, article_events.ArticleDeleted)  # type: ignore[arg-type]
    app.before_request(pages.negotiate)
    app.after_request(pages.vary_on_accept)
    app.after_request(delivery.retry_after_response)
    app.jinja_env.globals["federation_extras"] = pages.article_extras
    app.jinja_env.globals["federation_handle"] = pages.fediverse_handle
    celery = app.extensions.get("celery")
    if celery is not None:
        celery.conf.beat_schedule["federation-deliver-due"] = {
            "task": TASK_DELIVER_DUE,
            "schedule": float(app.config["FEDERATION_DELIVER_BEAT_SECONDS"]),
        }
