"""Chart geometry for the dashboards, drawn as SVG by the templates (no script, no
third-party host). Positions across are percentages, heights are pixels: the chart takes
the width it is given (phone or desktop) and its text keeps a readable size.

Its words, dates and numbers are in the reader's language (this runs in a request).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_compact_decimal
from flask_babel import format_number, get_locale, ngettext
from flask_babel import gettext as _

from folio.i18n import DEFAULT_LOCALE
from folio.stats.queries import DayFigure

PLOT_HEIGHT = 180
TOP_MARGIN = 8
AXIS_HEIGHT = 24
# The left gutter holds the scale's numbers; bars fill the rest.
GUTTER = 12.0
TICKS = 3


@dataclass(frozen=True)
class Bar:
    day: date
    x: float  # percent
    width: float  # percent
    views: int
    visitors: int
    views_y: float
    views_height: float
    visitors_y: float
    visitors_height: float


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class DailyChart:
    bars: list[Bar]
    ticks: list[Tick]
    dates: list[tuple[float, str, str]]  # x percent, text-anchor, label
    height: int
    axis_y: float
    gutter: float
    title: str
    description: str


def _locale() -> Locale:
    return get_locale() or Locale.parse(DEFAULT_LOCALE)


def compact(number: int) -> str:
    """1234 -> "1.2k": a scale's labels stay short on a phone (the reader's language's
    own short forms: "1,2 Mio.", "1,2 mil")."""
    locale = _locale()
    if locale.language != "en":
        return format_compact_decimal(number, format_type="short", locale=locale, fraction_digits=1)
    if number < 1000:
        return str(number)
    if number < 1_000_000:
        return f"{number / 1000:.1f}k".replace(".0k", "k")
    return f"{number / 1_000_000:.1f}M".replace(".0M", "M")


def day_label(day: date, *, year: bool = False) -> str:
    """ "3 Dec" ("3 Dec 2026" with the year) in English, "3. Dez." or "3 dic" elsewhere."""
    locale = _locale()
    if locale.language == "en":
        return format_date(day, "d MMM y" if year else "d MMM", locale=locale)
    return format_skeleton("yMMMd" if year else "MMMd", day, locale=locale)


def nice_step(largest: int, ticks: int = TICKS) -> int:
    """The smallest round step (1, 2 or 5 times a power of ten) whose ``ticks`` multiples
    reach ``largest``."""
    if largest <= ticks:
        return 1
    raw = largest / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def daily_chart(series: list[DayFigure], *, subject: str) -> DailyChart:
    """Bars for each day's views, the unique visitors drawn inside them."""
    step = nice_step(max((f.views for f in series), default=0))
    top = step * TICKS
    slot = (100.0 - GUTTER) / max(len(series), 1)
    bottom = TOP_MARGIN + PLOT_HEIGHT

    def height(value: int) -> float:
        return round(PLOT_HEIGHT * value / top, 2)

    bars = []
    for index, figure in enumerate(series):
        views_h, visitors_h = height(figure.views), height(figure.visitors)
        bars.append(
            Bar(
                day=figure.day,
                x=round(GUTTER + index * slot + slot * 0.15, 3),
                width=round(slot * 0.7, 3),
                views=figure.views,
                visitors=figure.visitors,
                views_y=bottom - views_h,
                views_height=views_h,
                visitors_y=bottom - visitors_h,
                visitors_height=visitors_h,
            )
        )
    ticks = [Tick(bottom - height(step * i), compact(step * i)) for i in range(TICKS + 1)]
    return DailyChart(
        bars=bars,
        ticks=ticks,
        dates=_date_labels(series),
        height=bottom + AXIS_HEIGHT,
        axis_y=bottom + AXIS_HEIGHT - 6,
        gutter=GUTTER,
        title=_("Views per day, %(subject)s", subject=subject),
        description=_describe(series),
    )


def _date_labels(series: list[DayFigure]) -> list[tuple[float, str, str]]:
    if not series:
        return []
    first, last = series[0].day, series[-1].day
    labels = [(GUTTER, "start", _short(first)), (100.0, "end", _short(last))]
    if len(series) > 2:
        middle = series[len(series) // 2].day
        labels.insert(1, (GUTTER + (100.0 - GUTTER) / 2, "middle", _short(middle)))
    return labels


def _short(day: date) -> str:
    return day_label(day)


def _describe(series: list[DayFigure]) -> str:
    """What the chart shows, for screen readers: its totals and its busiest day."""
    if not series:
        return _("No days.")
    views = sum(f.views for f in series)
    visitors = sum(f.visitors for f in series)
    busiest = max(series, key=lambda f: (f.views, f.day))
    first, last = _short(series[0].day), _short(series[-1].day)
    # Two plurals in one sentence: each count is worded apart, then placed in it.
    viewed = ngettext("%(count)s view", "%(count)s views", views, count=format_number(views))
    visited = ngettext(
        "%(count)s unique visitor",
        "%(count)s unique visitors",
        visitors,
        count=format_number(visitors),
    )
    parts = [
        _(
            "%(views)s and %(visitors)s from %(first)s to %(last)s.",
            views=viewed,
            visitors=visited,
            first=first,
            last=last,
        )
    ]
    if busiest.views:
        parts.append(
            ngettext(
                "Busiest day: %(day)s, %(count)s view.",
                "Busiest day: %(day)s, %(count)s views.",
                busiest.views,
                count=format_number(busiest.views),
                day=_short(busiest.day),
            )
        )
    parts.append(_("The numbers are in the table below."))
    return " ".join(parts)


def share(value: int, largest: int) -> float:
    """``value`` as a percentage of ``largest`` (a bar's width in a top list)."""
    return round(100.0 * value / largest, 2) if largest else 0.0
