"""Newsletter pages: subscribe, confirm, unsubscribe; the writer's subscribers.

The subscribe form sits on cached public pages (home, profiles, articles), so it carries
no CSRF token: a token would make each of those pages personal and uncacheable. What a
forged cross-site submission could do is what anyone can do by posting the form
themselves (ask for a confirmation mail to some address), which the double opt-in makes
harmless and the rate limits (per client, per address) keep from becoming mail bombing.
The confirm and unsubscribe forms carry no token either: the signed link is the
credential (RFC 8058 mail clients POST it with no cookie at all).
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, format_number, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from folio.core.errors import DomainError
from folio.core.uow import current_session, unit_of_work
from folio.extensions import csrf
from folio.guards import body_limits
from folio.i18n import LOCALE_COOKIE, supported
from folio.i18n.messages import translated
from folio.newsletter import csv_files, delivery, links, queries, rules
from folio.newsletter.forms import ImportForm
from folio.newsletter.subscribing import NEUTRAL_ANSWER, request_subscription
from folio.security import rate_limit, safe_next_url
from folio.web import bp
from folio.web.helpers import mark_no_store, no_store, page_number, signed_in_user

PER_PAGE = 50


def _page(
    template: str, status: int = 200, *, locale: str | None = None, **context: Any
) -> tuple[str, int]:
    """A private page; in ``locale`` when it is given and known (a page a mail links to
    reads in the mail's language), else in the request's. A language the reader chose
    (the switcher's cookie, their account's setting) wins over the mail's."""
    mark_no_store()
    if (language := supported(locale)) and not _chosen_language():
        with force_locale(language):
            return render_template(template, **context), status
    return render_template(template, **context), status


def _chosen_language() -> bool:
    if supported(request.cookies.get(LOCALE_COOKIE)):
        return True
    return bool(current_user.is_authenticated and supported(current_user.locale))


def _labelled(label: str, message: str) -> str:
    # "is too long" reads "Email address is too long"; a whole sentence stands as it is.
    text = translated(message)
    return text if text[:1].isupper() else _("%(label)s %(message)s", label=label, message=text)


def _subscribe_problem(error: DomainError) -> str:
    if problems := error.errors.get("email"):
        return _labelled(_("Email address"), problems[0]) + "."
    if problems := error.errors.get("author"):
        return _labelled(_("Writer"), problems[0]) + "."
    return translated(error.message)


@bp.post("/newsletter/subscribe")
@rate_limit("NEWSLETTER")
def newsletter_subscribe():
    author = (request.form.get("author") or "").strip() or None
    back = safe_next_url(request.form.get("next"), url_for("web.index"))
    try:
        request_subscription(request.form.get("email", ""), author, str(get_locale()))
    except DomainError as error:
        return _page(
            "newsletter/requested.html",
            error.status_code,
            error=_subscribe_problem(error),
            email=request.form.get("email", "")[:254],
            author=author,
            back=back,
        )
    return _page("newsletter/requested.html", message=_(NEUTRAL_ANSWER), back=back)


csrf.exempt(newsletter_subscribe)


def _invalid_link(error: links.InvalidLink, what: str, locale: str | None = None):
    status = 410 if error.expired else 404
    return _page("newsletter/invalid_link.html", status, locale=locale, error=error, what=what)


@bp.route("/newsletter/confirm/<token>", methods=["GET", "POST"])
def newsletter_confirm(token: str):
    # The language the confirmation mail was written in (emails.confirmation): the page
    # reads in it, and the subscription keeps it (else the request's language).
    lang = supported(request.args.get("lang"))
    try:
        confirmation = links.read_confirmation(token)
    except links.InvalidLink as error:
        return _invalid_link(error, "confirmation", lang)
    session = current_session()
    author = rules.list_owner_by_id(session, confirmation.author_id)
    shown: dict[str, Any] = {"email": confirmation.email, "author": author, "locale": lang}
    if request.method == "GET":
        # A button, not the GET itself: mail scanners open links without asking anyone.
        action = url_for("web.newsletter_confirm", token=token, lang=lang)
        return _page("newsletter/confirm.html", action=action, **shown)
    # The language the page reads in: the reader's own choice, else the link's.
    locale = str(get_locale()) if _chosen_language() else (lang or str(get_locale()))
    try:
        with unit_of_work() as uow:
            rules.confirm(uow.session, confirmation.email, confirmation.author_id, locale=locale)
    except DomainError:
        abort(404)
    return _page("newsletter/confirm.html", done=True, **shown)


csrf.exempt(newsletter_confirm)


@bp.route("/newsletter/unsubscribe/<token>", methods=["GET", "POST"])
def newsletter_unsubscribe(token: str):
    try:
        email = links.read_unsubscribe(token)
    except links.InvalidLink as error:
        return _invalid_link(error, "unsubscribe")
    # In the language the address reads its mails in (known before it leaves the lists).
    locale = next(filter(supported, rules.locales_of(current_session(), email)), None)
    done = request.method == "POST"
    if done:
        with unit_of_work() as uow:
            rules.unsubscribe_address(uow.session, email)
    return _page("newsletter/unsubscribe.html", locale=locale, email=email, done=done)


csrf.exempt(newsletter_unsubscribe)


# --- the writer's list -----------------------------------------------------------------


def _list_of() -> tuple[int | None, str]:
    """Whose list the page shows: the writer's own, or the site's (``?list=site``, admins)."""
    user = signed_in_user()
    if request.values.get("list") == "site":
        if not user.is_admin:
            abort(403)
        return None, "site"
    return user.id, "mine"


@bp.get("/newsletter/subscribers")
@login_required
@no_store
def newsletter_subscribers(form: ImportForm | None = None, status: int = 200):
    author_id, which = _list_of()
    session = current_session()
    number = page_number()
    subscribers, total = queries.page(
        session, author_id, limit=PER_PAGE, offset=(number - 1) * PER_PAGE
    )
    return render_template(
        "newsletter/subscribers.html",
        which=which,
        summary=queries.summary(session, author_id),
        subscribers=subscribers,
        total=total,
        page=number,
        pages=max(1, -(-total // PER_PAGE)),
        form=form or ImportForm(),
        user=signed_in_user(),
    ), status


@bp.post("/newsletter/subscribers/<int:subscriber_id>/remove")
@login_required
def newsletter_remove(subscriber_id: int):
    author_id, which = _list_of()
    try:
        with unit_of_work() as uow:
            rules.remove_subscriber(uow.session, signed_in_user(), subscriber_id, author_id)
    except DomainError:
        abort(404)
    flash(_("Removed: that address gets no more of these emails."), "success")
    return redirect(_back_to(which))


def _back_to(which: str) -> str:
    args: dict[str, Any] = {"list": "site"} if which == "site" else {}
    return url_for("web.newsletter_subscribers", **args)


@bp.get("/newsletter/subscribers.csv")
@login_required
@no_store
def newsletter_export():
    author_id, which = _list_of()
    subscribers = queries.each_subscriber(current_session(), author_id)
    response = Response(csv_files.export_lines(subscribers), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="subscribers-{which}.csv"'
    return response


def _allow_import_size() -> None:
    from flask import current_app

    request.max_content_length = int(current_app.config["NEWSLETTER_IMPORT_MAX_BYTES"]) + 65536


def _import_too_large() -> dict[str, list[str]]:
    from flask import current_app

    megabytes = int(current_app.config["NEWSLETTER_IMPORT_MAX_BYTES"]) // (1024 * 1024)
    # Said in the reader's language here: the errors page (folio.errors) shows it as it is.
    return {"file": [_("is too large: the limit is %(size)s MB", size=format_number(megabytes))]}


@bp.post("/newsletter/subscribers/import")
@login_required
@no_store
@body_limits(_allow_import_size, _import_too_large)
def newsletter_import():
    from flask import current_app

    # The larger body limit is set before the form is read; CSRF is checked after it.
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    author_id, which = _list_of()
    form = ImportForm()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        form.file.errors = [_("Choose a CSV file to import.")]
        return newsletter_subscribers(form, 400)
    try:
        # In a unit of work that ends before the import is queued (see subscribing.py).
        with unit_of_work():
            user_id = signed_in_user().id
            rules.check_list_access(signed_in_user(), author_id)
        data = upload.read(int(current_app.config["NEWSLETTER_IMPORT_MAX_BYTES"]) + 1)
        if len(data) > int(current_app.config["NEWSLETTER_IMPORT_MAX_BYTES"]):
            raise DomainError(_import_too_large())
        found = csv_files.read_import(data, int(current_app.config["NEWSLETTER_IMPORT_MAX_ROWS"]))
    except DomainError as error:
        form.file.errors = [translated(m) for m in error.errors.get("file") or [error.message]]
        return newsletter_subscribers(form, error.status_code)
    delivery.queue_import(user_id, found.addresses, author_id, bool(form.consent.data))
    flash(_import_message(found, bool(form.consent.data)), "success")
    return redirect(_back_to(which))


csrf.exempt(newsletter_import)


def _import_message(found: csv_files.ImportFile, consent: bool) -> str:
    count = len(found.addresses)
    num = format_number(count)
    if consent:
        done = ngettext(
            "%(count)s address is being added to your list.",
            "%(count)s addresses are being added to your list.",
            count,
            count=num,
        )
    else:
        done = ngettext(
            "%(count)s address will get a confirmation mail; it joins once it confirms.",
            "%(count)s addresses will each get a confirmation mail; they join once they confirm.",
            count,
            count=num,
        )
    if found.rejected:
        lines = ", ".join(_("line %(number)s", number=line) for line, _value in found.examples)
        skipped = ngettext(
            "%(count)s row was not an email address and was skipped (%(lines)s).",
            "%(count)s rows were not email addresses and were skipped (%(lines)s).",
            found.rejected,
            count=format_number(found.rejected),
            lines=lines,
        )
        done = f"{done} {skipped}"
    return done
