"""The review's trend charts (docs/kpis.md §9): the last ``TREND_WEEKS`` ISO weeks up to the week
under review, from the weekly grain of the same KPI queries (``metrics.kpis``): incidents by
severity, time to acknowledge and to resolve (median and p90) against each severity's target,
SLA compliance, and the share of release-caused incidents. Pure data (``document.Chart``): the
HTML draws it as SVG (``app/review/charts.py``), the app's page with Plotly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from opskpi.app.i18n.translator import Translator
from opskpi.app.review.document import Chart, Panel, Series
from opskpi.app.review.palette import (
    ACK_COLOR,
    RELEASE_COLOR,
    RESOLVE_COLOR,
    SEVERITY_COLORS,
    TARGET_COLOR,
)
from opskpi.config.vocabulary import POOLED, SEVERITIES
from opskpi.metrics import kpis
from opskpi.metrics.period import Filters, Period, partial_weeks, week_of, weeks_between

TREND_WEEKS = 12
Targets = Mapping[str, Mapping[str, float | None]]


def trend_period(week: Period) -> Period:
    """The ``TREND_WEEKS`` weeks ending with ``week``, judged at the same instant."""
    return Period(week.since - timedelta(weeks=TREND_WEEKS - 1), week.until, week.as_of)


def _value(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _count(x: Any) -> int | None:
    return None if x is None or pd.isna(x) else int(x)


@dataclass(frozen=True)
class _Weeks:
    mondays: tuple[date, ...]
    partial: tuple[bool, ...]
    tr: Translator

    def chart(self, title: str, panels: tuple[Panel, ...], summary: str, columns: int = 1) -> Chart:
        return Chart(
            title=title,
            weeks=tuple(week_of(m) for m in self.mondays),
            labels=tuple(self.tr.short_day(m) for m in self.mondays),
            partial=self.partial,
            panels=panels,
            summary=summary,
            partial_label=self.tr("partial"),
            columns=columns,
        )


def _rows(frame: pd.DataFrame) -> dict[tuple[date, str], dict[str, Any]]:
    return {
        (pd.Timestamp(r["bucket"]).date(), str(r.get("severity", POOLED))): {
            str(k): v for k, v in r.items()
        }
        for r in frame.to_dict("records")
    }


def _column(name: str) -> Callable[[Mapping[str, Any]], float | None]:
    return lambda row: _value(row[name])


def _n_column(name: str) -> Callable[[Mapping[str, Any]], int | None]:
    return lambda row: _count(row[name])


def _series_of(
    rows: Mapping[tuple[date, str], Mapping[str, Any]],
    mondays: tuple[date, ...],
    severity: str,
    value: Callable[[Mapping[str, Any]], float | None],
    n: Callable[[Mapping[str, Any]], int | None],
) -> tuple[tuple[float | None, ...], tuple[int | None, ...]]:
    values, ns = [], []
    for monday in mondays:
        row = rows.get((monday, severity))
        values.append(value(row) if row is not None else None)
        ns.append(n(row) if row is not None else None)
    return tuple(values), tuple(ns)


def incidents_chart(weeks: _Weeks, rows: Mapping[tuple[date, str], Any]) -> Chart:
    tr = weeks.tr
    present = [s for s in SEVERITIES if any((m, s) in rows for m in weeks.mondays)]
    series = []
    for severity in present:
        counts = tuple(
            float(rows[(m, severity)]["incidents"]) if (m, severity) in rows else 0.0
            for m in weeks.mondays
        )
        series.append(
            Series(
                name=tr.severity(severity),
                values=counts,
                n=tuple(int(c) for c in counts),
                color=SEVERITY_COLORS[severity],
                style="bar",
            )
        )
    last = weeks.mondays[-1]
    pooled = rows.get((last, POOLED), {})
    parts = ", ".join(
        f"{tr.severity(s)} {tr.num(rows[(last, s)]['incidents'])}"
        for s in present
        if (last, s) in rows
    )
    summary = tr(
        "chart_incidents_summary",
        week=week_of(last),
        n=tr.num(pooled.get("incidents", 0)),
        parts=parts or "—",
    )
    panel = Panel(tr("incidents"), "count", tuple(series), stacked=True)
    return weeks.chart(tr("chart_incidents"), (panel,), summary)


def durations_chart(
    weeks: _Weeks, rows: Mapping[tuple[date, str], Any], targets: Targets
) -> Chart | None:
    """One panel per severity with a target and metric: median, p90 and the target."""
    tr = weeks.tr
    panels = []
    for metric, kind in (("tta", "ack"), ("ttr", "resolve")):
        for severity in SEVERITIES:
            target = targets.get(severity, {}).get(kind)
            if not target or not any((m, severity) in rows for m in weeks.mondays):
                continue
            series = []
            for stat, dashed in (("median", False), ("p90", True)):
                values, ns = _series_of(
                    rows,
                    weeks.mondays,
                    severity,
                    _column(f"{metric}_{stat}"),
                    _n_column(f"{metric}_n"),
                )
                series.append(
                    Series(
                        name=tr(stat),
                        values=values,
                        # the n is printed once per week: on the median
                        n=ns if stat == "median" else tuple(None for _ in ns),
                        color=SEVERITY_COLORS[severity],
                        dashed=dashed,
                    )
                )
            series.append(
                Series(
                    name=tr("sla_target"),
                    values=tuple(target for _ in weeks.mondays),
                    n=tuple(None for _ in weeks.mondays),
                    color=TARGET_COLOR,
                    style="target",
                )
            )
            title = f"{tr.severity(severity)} · {metric.upper()} ({tr(f'metric_short.{metric}')})"
            panels.append(Panel(title, "duration", tuple(series), log=True))
    if not panels:
        return None
    return weeks.chart(
        tr("chart_durations"), tuple(panels), tr("chart_durations_summary"), columns=3
    )


def compliance_chart(
    weeks: _Weeks, rows: Mapping[tuple[date, str], Any], review_targets: Mapping[str, float]
) -> Chart:
    tr = weeks.tr
    series = []
    words = []
    last = rows.get((weeks.mondays[-1], POOLED))
    for kind, color in (("ack", ACK_COLOR), ("resolve", RESOLVE_COLOR)):
        values, ns = _series_of(
            rows,
            weeks.mondays,
            POOLED,
            _column(f"{kind}_sla_compliance"),
            _n_column(f"{kind}_sla_n"),
        )
        label = tr(f"kpi.{kind}_sla")
        series.append(Series(name=label, values=values, n=ns, color=color))
        if last is not None:
            words.append(
                f"{label} {tr.pct(_value(last[f'{kind}_sla_compliance']))} "
                f"(n={tr.num(last[f'{kind}_sla_n'])})"
            )
    ack, resolve = review_targets.get("ack_sla"), review_targets.get("resolve_sla")
    for target, color, label in (
        (ack, ACK_COLOR if ack != resolve else TARGET_COLOR, "kpi.ack_sla"),
        (resolve if resolve != ack else None, RESOLVE_COLOR, "kpi.resolve_sla"),
    ):
        if target is None:
            continue
        name = f"{tr('target')} {tr.pct(target, 0)}"
        series.append(
            Series(
                name=name if ack == resolve else f"{name} ({tr(label)})",
                values=tuple(target for _ in weeks.mondays),
                n=tuple(None for _ in weeks.mondays),
                color=color,
                style="target",
            )
        )
    summary = tr("chart_week_summary", week=week_of(weeks.mondays[-1]), parts="; ".join(words))
    panel = Panel(tr("chart_compliance_axis"), "share", tuple(series))
    return weeks.chart(tr("chart_compliance"), (panel,), summary)


def releases_chart(
    weeks: _Weeks, frame: pd.DataFrame, review_targets: Mapping[str, float]
) -> Chart:
    tr = weeks.tr
    by_week = {pd.Timestamp(r["bucket"]).date(): r for r in frame.to_dict("records")}
    values = tuple(
        _value(by_week[m]["release_caused_share"]) if m in by_week else None for m in weeks.mondays
    )
    ns = tuple(_count(by_week[m]["incidents"]) if m in by_week else None for m in weeks.mondays)
    series = [Series(tr("kpi.release_caused"), values, ns, RELEASE_COLOR)]
    target = review_targets.get("release_caused")
    if target is not None:
        series.append(
            Series(
                f"{tr('target')} {tr.pct(target, 0)}",
                tuple(target for _ in weeks.mondays),
                tuple(None for _ in weeks.mondays),
                RELEASE_COLOR,
                style="target",
            )
        )
    last = by_week.get(weeks.mondays[-1])
    words = (
        f"{tr.pct(_value(last['release_caused_share']))} "
        f"({tr.ratio(last['release_caused'], last['incidents'])})"
        if last
        else tr.no_data
    )
    summary = tr("chart_week_summary", week=week_of(weeks.mondays[-1]), parts=words)
    panel = Panel(tr("chart_releases_axis"), "share", tuple(series))
    return weeks.chart(tr("chart_releases"), (panel,), summary)


def incidents_by_severity(
    weekly: pd.DataFrame, period: Period, timezone: str, tr: Translator
) -> Chart:
    """Incidents per week of ``period`` by severity (kpis/response_times at grain week), its
    partial weeks marked: the app's overview draws it as SVG (no chart script to load)."""
    mondays = tuple(weeks_between(period.since, period.until))
    partial = partial_weeks(period, timezone)
    weeks = _Weeks(mondays, tuple(m in partial for m in mondays), tr)
    return incidents_chart(weeks, _rows(weekly))


def trend_charts(
    con: duckdb.DuckDBPyConnection,
    week: Period,
    filters: Filters,
    tr: Translator,
    targets: Targets,
    review_targets: Mapping[str, float],
    timezone: str,
) -> tuple[Chart, ...]:
    """The four trend charts of the review of ``week``."""
    period = trend_period(week)
    mondays = tuple(weeks_between(period.since, period.until))
    partial = partial_weeks(period, timezone)
    weeks = _Weeks(mondays, tuple(m in partial for m in mondays), tr)
    times = _rows(kpis.response_times(con, period, filters, grain="week"))
    releases = kpis.releases(con, period, filters, grain="week")
    charts = [
        incidents_chart(weeks, times),
        durations_chart(weeks, times, targets),
        compliance_chart(weeks, times, review_targets),
        releases_chart(weeks, releases, review_targets),
    ]
    return tuple(chart for chart in charts if chart is not None)
