"""Pages for readers and writers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)

# Importing the page modules registers their routes on bp; each area keeps its own.
from folio.accounts import admin_pages  # noqa: E402, F401
from folio.accounts import pages as account_pages  # noqa: E402, F401
from folio.articles import autosave_pages as autosave_page_routes  # noqa: E402, F401
from folio.articles import feeds  # noqa: E402, F401
from folio.articles import history as article_history  # noqa: E402, F401
from folio.articles import pages as article_pages  # noqa: E402, F401
from folio.articles import schedule_pages as schedule_pages  # noqa: E402, F401
from folio.articles import share_pages as share_pages  # noqa: E402, F401
from folio.exports import pages as export_pages  # noqa: E402, F401
from folio.federation import pages as federation_pages  # noqa: E402, F401
from folio.i18n import pages as language_pages  # noqa: E402, F401
from folio.imports import pages as import_pages  # noqa: E402, F401
from folio.media import pages as media_pages  # noqa: E402, F401
from folio.newsletter import pages as newsletter_pages  # noqa: E402, F401
from folio.stats import pages as stats_pages  # noqa: E402, F401
from folio.web import actions, cards, filters, views  # noqa: E402, F401
from folio.webhooks import pages as webhook_pages  # noqa: E402, F401
