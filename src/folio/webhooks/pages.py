"""Webhook pages: ``/settings/webhooks`` (a writer's own) and ``/admin/webhooks`` (the
site's, administrators only). One set of views serves both, told apart by ``scope``;
every action goes through the same rules as /api/v1."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.wrappers import Response

from folio.core.errors import DomainError, NotFound
from folio.core.uow import current_session, unit_of_work
from folio.security import rate_limit
from folio.web import bp
from folio.web.helpers import apply_errors, no_store, page_number, signed_in_user
from folio.webhooks import queries, rules
from folio.webhooks.forms import LABELS, WebhookForm
from folio.webhooks.models import Scope, WebhookEndpoint
from folio.webhooks.runner import outbound_policy, send_soon, webhook_settings
from folio.webhooks.tasks import disabled_reason

DELIVERIES_PER_PAGE = 20
_PREFIX = {Scope.OWN: "", Scope.SITE: "admin_"}
# A delivery's state as its badge reads (delivered and failed have their own).
DELIVERY_STATES = {"pending": _l("Pending"), "sending": _l("Sending")}


def _page(scope: Scope, name: str, **values: Any) -> str:
    return url_for(f"web.{_PREFIX[scope]}{name}", **values)


def _scope(value: str) -> Scope:
    scope = Scope(value)
    if scope is Scope.SITE and not signed_in_user().is_admin:
        abort(403)
    return scope


def _endpoint(scope: Scope, endpoint_id: int) -> WebhookEndpoint:
    """The actor's endpoint of this page's scope, else 404."""
    try:
        endpoint = rules.get_endpoint(current_session(), signed_in_user(), endpoint_id)
    except NotFound:
        abort(404)
    if endpoint.scope != scope.value:
        abort(404)
    return endpoint


def _route(rule: str, name: str, view: Any, methods: list[str], limited: bool = False) -> None:
    """The view at /settings<rule> (own) and /admin<rule> (site); ``limited``: its POSTs
    (each makes Folio send a request, or add an endpoint) count against RATELIMIT_WEBHOOK."""
    if limited:
        view = rate_limit("WEBHOOK", methods=["POST"])(view)
    for scope, prefix in ((Scope.OWN, "/settings"), (Scope.SITE, "/admin")):
        bp.add_url_rule(
            prefix + rule,
            endpoint=_PREFIX[scope] + name,
            view_func=login_required(no_store(view)),
            methods=methods,
            defaults={"scope": scope.value},
        )


def webhooks(scope: str) -> Any:
    """The list, and the form to add one."""
    area = _scope(scope)
    form = WebhookForm().for_scope(area)
    if request.method == "POST" and form.validate_on_submit():
        created = _create(area, form)
        if created is not None:
            flash(_("Webhook added. Copy its secret below to verify deliveries."), "success")
            return redirect(_page(area, "webhook", endpoint_id=created, reveal=1))
    listed = rules.list_endpoints(current_session(), signed_in_user(), area)
    return render_template(
        "webhooks/list.html", scope=area.value, endpoints=listed, form=form, labels=LABELS
    )


def _create(area: Scope, form: WebhookForm) -> int | None:
    try:
        with unit_of_work() as uow:
            endpoint = rules.create_endpoint(
                uow.session,
                signed_in_user(),
                url=form.url.data or "",
                events=form.events.data or [],
                description=form.description.data,
                scope=area,
                policy=outbound_policy(),
                settings=webhook_settings(),
            )
    except DomainError as error:
        apply_errors(form, error.errors)
        return None
    return endpoint.id


def webhook(scope: str, endpoint_id: int) -> Any:
    """One webhook: its settings, its secret, its deliveries."""
    area = _scope(scope)
    endpoint = _endpoint(area, endpoint_id)
    form = WebhookForm(obj=endpoint if request.method == "GET" else None).for_scope(area)
    if request.method == "POST" and form.validate_on_submit():
        try:
            with unit_of_work() as uow:
                changes = {
                    "url": form.url.data or "",
                    "events": form.events.data or [],
                    "description": form.description.data,
                }
                rules.update_endpoint(
                    uow.session, signed_in_user(), endpoint, changes, outbound_policy()
                )
        except DomainError as error:
            apply_errors(form, error.errors)
        else:
            flash(_("Webhook saved."), "success")
            return redirect(_page(area, "webhook", endpoint_id=endpoint.id))
    return _detail(area, endpoint, form, reveal=request.args.get("reveal") == "1")


def _detail(area: Scope, endpoint: WebhookEndpoint, form: WebhookForm, reveal: bool) -> str:
    number = page_number()
    deliveries, total = queries.list_deliveries(
        current_session(),
        endpoint,
        limit=DELIVERIES_PER_PAGE,
        offset=(number - 1) * DELIVERIES_PER_PAGE,
    )
    return render_template(
        "webhooks/detail.html",
        scope=area.value,
        hook=endpoint,
        form=form,
        reveal=reveal,
        deliveries=deliveries,
        total=total,
        page=number,
        pages=max(1, -(-total // DELIVERIES_PER_PAGE)),
        labels=LABELS,
        delivery_states=DELIVERY_STATES,
        disabled_reason=disabled_reason,
    )


def webhook_action(scope: str, endpoint_id: int, action: str) -> Response:
    """The buttons on a webhook's page: rotate, reveal, test, enable, disable, delete."""
    area = _scope(scope)
    endpoint = _endpoint(area, endpoint_id)
    handler = _ACTIONS.get(action)
    if handler is None:
        abort(404)
    return handler(area, endpoint)


def _rotate(area: Scope, endpoint: WebhookEndpoint) -> Response:
    with unit_of_work() as uow:
        rules.rotate_secret(uow.session, signed_in_user(), endpoint, webhook_settings())
    flash(_("New secret made. The old one keeps signing too for 24 hours."), "success")
    return redirect(_page(area, "webhook", endpoint_id=endpoint.id, reveal=1))


def _reveal(area: Scope, endpoint: WebhookEndpoint) -> Response:
    return redirect(_page(area, "webhook", endpoint_id=endpoint.id, reveal=1))


def _set_enabled(area: Scope, endpoint: WebhookEndpoint, enabled: bool) -> Response:
    with unit_of_work() as uow:
        rules.update_endpoint(
            uow.session, signed_in_user(), endpoint, {"enabled": enabled}, outbound_policy()
        )
    if enabled:
        # What waited while it was off goes out now.
        waiting = rules.due_delivery_ids(current_session(), endpoint_id=endpoint.id)
        current_session().rollback()
        send_soon(waiting)
    flash(_("Webhook switched on.") if enabled else _("Webhook switched off."), "success")
    return redirect(_page(area, "webhook", endpoint_id=endpoint.id))


def _test(area: Scope, endpoint: WebhookEndpoint) -> Response:
    with unit_of_work() as uow:
        delivery = rules.send_test(uow.session, signed_in_user(), endpoint)
    send_soon([delivery.id])
    flash(_("Test event sent. Reload in a moment to see how the receiver answered."), "success")
    return redirect(_page(area, "webhook", endpoint_id=endpoint.id))


def _delete(area: Scope, endpoint: WebhookEndpoint) -> Response:
    with unit_of_work() as uow:
        rules.delete_endpoint(uow.session, signed_in_user(), endpoint)
    flash(_("Webhook deleted."), "success")
    return redirect(_page(area, "webhooks"))


_ACTIONS = {
    "rotate": _rotate,
    "reveal": _reveal,
    "test": _test,
    "enable": lambda area, endpoint: _set_enabled(area, endpoint, True),
    "disable": lambda area, endpoint: _set_enabled(area, endpoint, False),
    "delete": _delete,
}


def redeliver(scope: str, delivery_id: int) -> Response:
    """Send one delivery again (a new chain of attempts, the same webhook-id)."""
    area = _scope(scope)
    try:
        with unit_of_work() as uow:
            delivery = rules.get_delivery(uow.session, signed_in_user(), delivery_id)
            if delivery.endpoint.scope != area.value:
                abort(404)
            rules.redeliver(uow.session, signed_in_user(), delivery)
    except NotFound:
        abort(404)
    except DomainError as error:
        problem = error.errors.get("delivery", [error.message])[0]
        flash(_("The delivery %(problem)s.", problem=_(problem)), "error")
        return redirect(_page(area, "webhooks"))
    send_soon([delivery.id])
    flash(_("Delivery queued again."), "success")
    return redirect(_page(area, "webhook", endpoint_id=delivery.endpoint_id))


_route("/webhooks", "webhooks", webhooks, ["GET", "POST"], limited=True)
_route("/webhooks/<int(min=1, max=2147483647):endpoint_id>", "webhook", webhook, ["GET", "POST"])
_route(
    "/webhooks/<int(min=1, max=2147483647):endpoint_id>/<action>",
    "webhook_action",
    webhook_action,
    ["POST"],
    True,
)
_route(
    "/webhooks/deliveries/<int(min=1, max=2147483647):delivery_id>/redeliver",
    "webhook_redeliver",
    redeliver,
    ["POST"],
    True,
)
