"""The supervisors' charts, drawn on the server as SVG by pygal, each with its figures as a
table (the text alternative).

Each chart goes into the page as an image with a data: URI (the Content-Security-Policy
allows data: images, portal/settings.py). Not as inline <svg> markup: pygal puts its
styles in a <style> element inside the SVG, which the policy refuses in the page itself
("nothing inline"), while an SVG image is a document of its own whose styles apply. pygal
also always writes a <script> with its configuration (even with js=[]): an XML filter takes
it out, so the SVG holds no script at all (an image would not run one anyway).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pygal
from django.utils import formats
from django.utils.translation import gettext as _
from pygal.style import Style

from oversight.ledger.selectors import LedgerFigures

SVG_NS = "{http://www.w3.org/2000/svg}"
WIDTH, HEIGHT = 800, 320

# Colours told apart with the common kinds of colour blindness (Okabe and Ito), the first
# the portal's own blue; figures in the table below each chart as well.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#5c5c5c",
    font_family="system-ui, 'DejaVu Sans', sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    value_font_size=12,
    opacity="1",
    opacity_hover="1",
    transition="0ms",
    colors=("#154273", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9"),
)


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    image: str  # data:image/svg+xml;base64,…
    description: str  # the image's alt text; the figures are in `rows`
    columns: tuple[str, ...]
    rows: list[tuple]  # a label, then one figure per series
    height: int = HEIGHT  # in pixels at WIDTH wide (the image scales down with the page)


def _without_scripts(root):
    """pygal's XML filter: drop every <script> (its configuration for the browser)."""
    for parent in root.iter():
        for child in list(parent):
            if child.tag in ("script", f"{SVG_NS}script"):
                parent.remove(child)
    return root


def _config(**options) -> dict:
    config = dict(
        style=STYLE,
        js=[],  # no interactive script (pygal's tooltips)
        width=WIDTH,
        height=HEIGHT,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        print_values=False,
        min_scale=1,
        max_scale=6,
        no_data_text=_("Nothing in this period"),
    )
    config.update(options)
    return config


def _image(chart: pygal.graph.graph.Graph) -> str:
    chart.add_xml_filter(_without_scripts)
    svg = chart.render()  # bytes, UTF-8
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _counts_axis(series: Sequence[tuple[str, Sequence[int]]], stacked: bool) -> list[int]:
    """Whole numbers on the value axis (pygal would write 0.2, 0.4, … for small counts):
    about five steps from 0 to just above the largest bar."""
    columns = list(zip(*(values for _name, values in series), strict=True)) or [(0,)]
    top = max((sum(column) if stacked else max(column)) for column in columns)
    step = max(1, math.ceil(top / 5))
    return list(range(0, max(top, 1) + step, step))


def _bars(
    kind: type,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    days: bool = False,
    **options,
) -> str:
    every = max(1, math.ceil(len(labels) / 31))  # a label for each day up to a month
    chart = kind(
        **_config(
            show_legend=len(series) > 1,
            truncate_label=-1,
            truncate_legend=-1,
            x_label_rotation=60 if days else 0,
            show_minor_x_labels=every == 1,
            x_labels_major_every=every if every > 1 else None,
            y_labels=_counts_axis(series, stacked=kind is pygal.StackedBar),
            **options,
        )
    )
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    return _image(chart)


def _day(day) -> str:
    return formats.date_format(day, "d-m")


def charts_draw(figures: LedgerFigures) -> list[Chart]:
    """The five charts of the figures, in the page's order."""
    days = figures.days
    day_labels = [_day(d.day) for d in days]
    full_dates = [formats.date_format(d.day, "d-m-Y") for d in days]
    searches, views = _("Patient searches"), _("Summary views")
    granted, refused = _("Emergency accesses"), _("Refused (no policy allowed it)")
    alerts = _("Alerts")
    period = _("%(first)s to %(last)s") % {
        "first": formats.date_format(figures.first, "d-m-Y"),
        "last": formats.date_format(figures.last, "d-m-Y"),
    }
    in_table = _("The figures are in the table below the chart.")
    bases_height = max(160, 80 + 40 * len(figures.bases))

    def described(what: str) -> str:
        return f"{what}, {period}. {in_table}"

    charts = [
        Chart(
            key="lookups_per_day",
            title=_("Lookups per day"),
            image=_bars(
                pygal.Bar,
                day_labels,
                [(searches, [d.searches for d in days]), (views, [d.views for d in days])],
                days=True,
            ),
            description=described(_("Bar chart of patient searches and summary views per day")),
            columns=(_("Day"), searches, views),
            rows=[(full, d.searches, d.views) for full, d in zip(full_dates, days, strict=True)],
        ),
        Chart(
            key="lookups_per_hour",
            title=_("Lookups per hour of the day"),
            image=_bars(
                pygal.Bar,
                [f"{hour:02d}" for hour, _s, _v in figures.hours],
                [
                    (searches, [s for _h, s, _v in figures.hours]),
                    (views, [v for _h, _s, v in figures.hours]),
                ],
            ),
            description=described(
                _("Bar chart of patient searches and summary views per hour of the day")
            ),
            columns=(_("Hour (Dutch time)"), searches, views),
            rows=[(f"{hour:02d}:00–{hour:02d}:59", s, v) for hour, s, v in figures.hours],
        ),
        Chart(
            key="consent_bases",
            title=_("Consent bases of summary views"),
            image=_bars(
                pygal.HorizontalBar,
                [label for label, _n in figures.bases],
                [(views, [n for _label, n in figures.bases])],
                height=bases_height,
                print_values=True,
            ),
            description=described(_("Bar chart of summary views by consent basis")),
            columns=(_("Consent basis"), views),
            rows=list(figures.bases),
            height=bases_height,
        ),
        Chart(
            key="emergency_per_day",
            title=_("Emergency accesses per day"),
            image=_bars(
                pygal.StackedBar,
                day_labels,
                [
                    (granted, [d.emergency_granted for d in days]),
                    (refused, [d.emergency_refused for d in days]),
                ],
                days=True,
            ),
            description=described(_("Bar chart of emergency accesses per day")),
            columns=(_("Day"), granted, refused),
            rows=[
                (full, d.emergency_granted, d.emergency_refused)
                for full, d in zip(full_dates, days, strict=True)
            ],
        ),
        Chart(
            key="alerts_per_day",
            title=_("Alerts per day"),
            image=_bars(
                pygal.Bar,
                day_labels,
                [(alerts, [d.alerts for d in days])],
                days=True,
            ),
            description=described(_("Bar chart of misuse alerts per day, by when first seen")),
            columns=(_("Day"), alerts),
            rows=[(full, d.alerts) for full, d in zip(full_dates, days, strict=True)],
        ),
    ]
    return charts
