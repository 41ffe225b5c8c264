"""Who sends due retries: ``flask webhooks deliver-due``, the beat task, and (without a
broker) a throttled check at the start of requests that sends after the response."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.core.uow import unit_of_work
from folio.models import User
from folio.webhooks import rules
from folio.webhooks.models import WebhookDelivery
from folio.webhooks.runner import outbound_policy, webhook_settings
from tests.webhooks.conftest import ALLOW_LOOPBACK
from tests.webhooks.receiver import Receiver


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {**ALLOW_LOOPBACK, "WEBHOOK_ON_REQUEST": True, "WEBHOOK_CHECK_SECONDS": 0.0}


def a_failed_delivery(writer: User, receiver: Receiver, session: Session) -> WebhookDelivery:
    """A delivery whose attempt is due since a second ago (as a retry would be)."""
    with unit_of_work() as uow:
        endpoint = rules.create_endpoint(
            uow.session,
            writer,
            url=receiver.url,
            events=["article.published"],
            policy=outbound_policy(),
            settings=webhook_settings(),
        )
        delivery = rules.fan_out(uow.session, [endpoint], "evt-due", "article.published", "{}")
    delivery_row = session.get(WebhookDelivery, delivery[0])
    assert delivery_row is not None
    delivery_row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
    session.commit()
    return delivery_row


def test_the_command_attempts_what_is_due(
    app: Flask, session: Session, writer: User, receiver: Receiver
) -> None:
    delivery = a_failed_delivery(writer, receiver, session)
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver-due"])
    assert result.exit_code == 0, result.output
    assert "1 due webhook delivery attempted: 1 delivered." in result.output
    assert len(receiver.wait_for(1)) == 1
    session.refresh(delivery)
    assert delivery.state == "delivered"
    again = app.test_cli_runner().invoke(args=["webhooks", "deliver-due"])
    assert "0 due webhook deliveries attempted." in again.output


def test_the_beat_task_sends_what_is_due(
    app: Flask, session: Session, writer: User, receiver: Receiver
) -> None:
    from folio.tasks import run_task

    a_failed_delivery(writer, receiver, session)
    run_task("deliver_due_webhooks")
    assert len(receiver.wait_for(1)) == 1
    assert app.config["WEBHOOK_BEAT_SECONDS"] > 0
    beat = app.extensions["celery"].conf.beat_schedule
    assert beat["deliver-due-webhooks"]["task"] == "folio.tasks.deliver_due_webhooks"


def test_without_a_broker_a_request_sends_due_retries_after_its_response(
    client: FlaskClient, session: Session, writer: User, receiver: Receiver
) -> None:
    delivery = a_failed_delivery(writer, receiver, session)
    response = client.get("/")
    assert response.status_code == 200
    assert receiver.requests == []
    response.close()
    assert len(receiver.wait_for(1)) == 1
    session.refresh(delivery)
    assert delivery.state == "delivered"
    assert session.scalars(select(WebhookDelivery)).one().attempts[-1].status_code == 200
