"""The review's charts as static SVG (matplotlib's SVG backend), inlined in the HTML report.

Static SVG keeps the file self-contained and small: it opens offline, in a mail client and on
paper, with no script and nothing fetched (an interactive Plotly figure would inline ~3.5 MB of
plotly.js per report). Text stays text (``svg.fonttype = none``), so it is sharp when printed.
The output is deterministic (fixed hash salt, no date): the same review gives the same bytes.

The rules of docs/kpis.md §9 hold here as in the app's figures: a partial week is lighter and
labelled, an empty week is a gap (never a line across it), and each value's n is printed.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from opskpi.app.i18n.translator import Translator
from opskpi.app.review.document import Chart, Panel, Series

_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "opskpi-review",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#9aa5b1",
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#e4e7eb",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 7.5,
}
PARTIAL_ALPHA = 0.35
# a log axis of durations in minutes, labelled for people (as the app's figures)
_DURATION_TICKS = (1.0, 5.0, 15.0, 60.0, 240.0, 1440.0, 10080.0)
_DURATION_LABELS = ("1 min", "5 min", "15 min", "1 h", "4 h", "1 d", "7 d")


def _shown(value: float | None, unit: str) -> float:
    """The plotted number: minutes for durations, percent for shares, NaN for no data."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if unit == "duration":
        return value / 60.0
    if unit == "share":
        return value * 100.0
    return float(value)


def _n_text(n: int | None, tr: Translator) -> str:
    return "" if n is None else f"n={tr.num(n)}"


def _bars(
    ax: Axes, panel: Panel, chart: Chart, tr: Translator, tips: dict[str, str] | None
) -> None:
    partial = chart.partial
    x = range(len(partial))
    bottoms = [0.0] * len(partial)
    for series in panel.series:
        heights = [_shown(v, panel.unit) for v in series.values]
        heights = [0.0 if math.isnan(h) else h for h in heights]
        colors = [to_rgba(series.color, PARTIAL_ALPHA if p else 1.0) for p in partial]
        bars = ax.bar(
            list(x),
            heights,
            bottom=bottoms if panel.stacked else None,
            color=colors,
            width=0.66,
            linewidth=0,
        )
        # the legend's swatch in the full colour, whatever the first week's opacity
        ax.bar([], [], color=series.color, label=series.name, linewidth=0)
        if tips is not None:  # a hover text per bar: the week, the series, its n
            for i, bar in enumerate(bars):
                gid = f"tip{len(tips)}"
                bar.set_gid(gid)
                week = chart.weeks[i] + (f" ({chart.partial_label})" if partial[i] else "")
                n = series.n[i]
                tips[gid] = f"{week} · {series.name}: n={tr.num(0 if n is None else n)}"
        if panel.stacked:
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    totals = bottoms if panel.stacked else [0.0] * len(partial)
    if panel.stacked:
        for i, total in enumerate(totals):
            ax.annotate(
                tr.num(total),
                (i, total),
                textcoords="offset points",
                xytext=(0, 2),
                ha="center",
                fontsize=7,
                color="#3e4c59",
            )


def _line(
    ax: Axes, series: Series, unit: str, partial: Sequence[bool], tr: Translator, below: bool
) -> None:
    values = [_shown(v, unit) for v in series.values]
    style = "--" if series.dashed else "-"
    if series.style == "target":
        ax.plot(range(len(values)), values, color=series.color, linestyle=":", linewidth=1.1)
        ax.plot([], [], color=series.color, linestyle=":", label=series.name)
        return
    # whole weeks: a line with gaps where nothing was measured (NaN breaks it)
    whole = [v if not p else math.nan for v, p in zip(values, partial, strict=True)]
    ax.plot(
        range(len(values)),
        whole,
        color=series.color,
        linestyle=style,
        marker="o",
        markersize=3.2,
        linewidth=1.4,
        label=series.name,
    )
    # a partial week: its point lighter, joined by a faint dotted segment to the week before
    for i, (value, is_partial) in enumerate(zip(values, partial, strict=True)):
        if not is_partial or math.isnan(value):
            continue
        ax.plot([i], [value], marker="o", markersize=3.2, color=series.color, alpha=PARTIAL_ALPHA)
        if i > 0 and not math.isnan(values[i - 1]):
            ax.plot(
                [i - 1, i],
                [values[i - 1], value],
                color=series.color,
                linestyle=":",
                linewidth=1.0,
                alpha=PARTIAL_ALPHA,
            )
    for i, (value, n) in enumerate(zip(values, series.n, strict=True)):
        if not math.isnan(value) and n is not None:
            ax.annotate(
                _n_text(n, tr),
                (i, value),
                textcoords="offset points",
                xytext=(0, -9 if below else 4),
                ha="center",
                fontsize=6,
                color=series.color,
                alpha=PARTIAL_ALPHA if partial[i] else 0.9,
            )


def _y_axis(ax: Axes, panel: Panel, tr: Translator) -> None:
    if panel.unit == "duration" and panel.log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(FixedLocator(list(_DURATION_TICKS)))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(
            FuncFormatter(
                lambda v, _: dict(zip(_DURATION_TICKS, _DURATION_LABELS, strict=True)).get(v, "")
            )
        )
        low, high = ax.get_ylim()
        ax.set_ylim(max(low, 0.3), max(high, 20.0))
    elif panel.unit == "share":
        ax.set_ylim(0, 105)
        ax.yaxis.set_major_locator(FixedLocator([0, 25, 50, 75, 100]))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f} %"))
    else:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tr.num(int(v))))
        ax.set_ylim(bottom=0)
        _, high = ax.get_ylim()
        ax.set_ylim(top=high * 1.08)  # room for the totals


def _x_axis(ax: Axes, chart: Chart, step: int) -> None:
    """Week labels (every ``step``-th in narrow panels; a partial week always, marked)."""
    ticks = [
        i
        for i, partial in enumerate(chart.partial)
        if partial or i % step == (len(chart.labels) - 1) % step
    ]
    ax.set_xticks(ticks)
    ax.set_xticklabels(
        [
            f"{chart.labels[i]}\n{chart.partial_label}" if chart.partial[i] else chart.labels[i]
            for i in ticks
        ],
        fontsize=6.5,
    )
    for tick, i in zip(ax.get_xticklabels(), ticks, strict=True):
        if chart.partial[i]:
            tick.set_color("#7b8794")
            tick.set_fontstyle("italic")
    ax.set_xlim(-0.6, len(chart.labels) - 0.4)


def _draw(chart: Chart, tr: Translator, tips: dict[str, str] | None = None) -> Figure:
    columns = max(1, min(chart.columns, len(chart.panels)))
    rows = math.ceil(len(chart.panels) / columns)
    height = (2.5 if columns == 1 else 1.9) * rows + 0.4
    figure = Figure(figsize=(7.6, height), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    step = 1 if columns == 1 else max(1, math.ceil(len(chart.labels) / 4))
    for index, (ax, panel) in enumerate(zip(axes.flat, chart.panels, strict=False)):
        if any(series.style == "bar" for series in panel.series):
            _bars(ax, panel, chart, tr, tips)
        lines = [series for series in panel.series if series.style == "line"]
        for series in panel.series:
            if series.style != "bar":
                below = series.style == "line" and lines.index(series) % 2 == 1
                _line(ax, series, panel.unit, chart.partial, tr, below)
        ax.set_title(panel.title, loc="left")
        _y_axis(ax, panel, tr)
        _x_axis(ax, chart, step)
        if index == 0:  # one legend, below the panels (small multiples share it)
            handles, labels = ax.get_legend_handles_labels()
            if columns > 1:  # the styles, in a neutral colour: each panel has its own
                handles = [
                    Line2D(
                        [], [], color="#52606d", linestyle=h.get_linestyle(), marker=h.get_marker()
                    )
                    for h in handles
                    if isinstance(h, Line2D)
                ]
            figure.legend(handles, labels, loc="outside lower center", ncols=6, handlelength=1.8)
    for ax in list(axes.flat)[len(chart.panels) :]:
        ax.set_visible(False)
    return figure


_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)


def chart_svg(chart: Chart, language: str, *, tooltips: bool = False) -> str:
    """The chart as an ``<svg>`` element to inline in HTML (no XML prologue, no fixed size:
    it scales to the page). ``tooltips``: each bar carries a ``<title>`` (the browser shows it
    on hover: the week and its n), for the app's page."""
    tr = Translator(language)
    tips: dict[str, str] | None = {} if tooltips else None
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        figure = _draw(chart, tr, tips)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    svg = _PROLOGUE.sub("", out.getvalue(), count=1)
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    for gid, text in (tips or {}).items():
        svg = svg.replace(f'<g id="{gid}">', f'<g id="{gid}"><title>{_escape(text)}</title>', 1)
    return svg.replace("<svg", f'<svg role="img" aria-label="{_escape(chart.title)}"', 1).strip()


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
