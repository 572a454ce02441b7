"""Plotly figures: pure functions from the DataFrames of ``metrics`` to ``go.Figure``, tested
without Streamlit. They draw what the SQL computed; the only arithmetic here is unit
conversion (seconds → minutes, shares → percent) for the axes.

Charts tell the truth (docs/kpis.md §9), on every page:

- a **partial week** (cut by the period's first or last day, or not over yet: ``partial``, the
  Mondays from ``metrics.period.partial_weeks``) is drawn lighter and labelled "parcial", never
  as a drop; a line reaches it dotted;
- a week where nothing was measured is a **gap**: a line is never drawn across it;
- every point says its **n** on hover; a distribution of fewer than ``MIN_BOX`` values shows
  the points only, no box;
- numbers and dates follow the language (``1.234,5`` and ``23/11`` in pt-BR).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from opskpi.app.escaping import plot_text
from opskpi.app.i18n.translator import Translator
from opskpi.app.review.document import Chart
from opskpi.app.review.palette import SEVERITY_COLORS
from opskpi.config.vocabulary import POOLED, SEVERITIES

__all__ = ["SEVERITY_COLORS"]

CAUSE_COLORS = (
    "#5e35b1",
    "#00897b",
    "#f4511e",
    "#3949ab",
    "#c0ca33",
    "#6d4c41",
    "#9e9e9e",
)
LAYOUT: dict[str, Any] = {
    "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
    "legend": {"orientation": "h", "y": -0.15},
    "hovermode": "closest",
    "template": "plotly_white",
}
MIN_BOX = 5  # fewer values than this: points, no box (a box of 3 values says nothing)
MAX_POINTS = 300  # more values than this: the box from its statistics and the outliers as points
# (every point drawn would cost the browser seconds and hide the box)
PARTIAL_OPACITY = 0.4


def _layout(tr: Translator) -> dict[str, Any]:
    """The shared layout, with the language's decimal and thousands separators."""
    return {**LAYOUT, "separators": ",." if tr.is_pt else ".,"}


def _minutes(seconds: Any) -> Any:
    return seconds / 60.0


def _week(day: Any) -> str:
    iso = pd.Timestamp(day).isocalendar()
    return f"{iso[0]}-W{iso[1]:02d}"


def _weeks(buckets: pd.Series) -> list[str]:
    """Bucket dates (Mondays) as ISO week labels, so a weekly axis is categorical."""
    return [_week(d) for d in pd.to_datetime(buckets)]


def _all_weeks(frame: pd.DataFrame) -> list[date]:
    return sorted({pd.Timestamp(b).date() for b in frame["bucket"]})


def _week_axis(
    frame: pd.DataFrame, tr: Translator | None = None, partial: Collection[date] = ()
) -> dict[str, Any]:
    """A categorical week axis in calendar order (traces may lack some weeks); a partial week's
    label says so."""
    mondays = _all_weeks(frame)
    weeks = [_week(m) for m in mondays]
    axis: dict[str, Any] = {"type": "category", "categoryorder": "array", "categoryarray": weeks}
    if tr is not None and any(m in partial for m in mondays):
        axis["tickvals"] = weeks
        axis["ticktext"] = [
            f"{w}<br><i>{tr('partial')}</i>" if m in partial else w
            for w, m in zip(weeks, mondays, strict=True)
        ]
    return axis


def _aligned(rows: pd.DataFrame, mondays: Sequence[date], column: str) -> list[Any]:
    """``column`` of ``rows`` (one per bucket) on every week of the axis: None where a week has
    no row, so a line breaks there instead of joining its neighbours."""
    by_week = {pd.Timestamp(b).date(): v for b, v in zip(rows["bucket"], rows[column], strict=True)}
    return [None if pd.isna(by_week.get(m)) else by_week.get(m) for m in mondays]


_TICK_MINUTES = (1, 5, 15, 60, 240, 1440, 10080)
MINUTE_TICKS: dict[str, Any] = {  # a log axis in minutes, labelled as durations for people
    "type": "log",
    "tickvals": list(_TICK_MINUTES),
    "ticktext": ["1 min", "5 min", "15 min", "1 h", "4 h", "1 d", "7 d"],
}


def _severities(frame: pd.DataFrame) -> list[str]:
    present = set(frame["severity"].dropna()) if "severity" in frame else set()
    return [s for s in SEVERITIES if s in present]


def _partial_line(
    fig: go.Figure,
    mondays: Sequence[date],
    values: Sequence[Any],
    custom: Sequence[Any],
    partial: Collection[date],
    *,
    name: str,
    color: str,
    hover: str,
) -> list[Any]:
    """Draw the partial weeks of a line apart (lighter, dotted from the week before); return the
    values with those weeks blanked for the solid line."""
    solid = [None if m in partial else v for m, v in zip(mondays, values, strict=True)]
    for i, monday in enumerate(mondays):
        if monday not in partial or values[i] is None:
            continue
        points = [j for j in (i - 1, i) if j >= 0 and values[j] is not None]
        fig.add_trace(
            go.Scatter(
                x=[_week(mondays[j]) for j in points],
                y=[values[j] for j in points],
                mode="lines+markers",
                name=f"{name} ({hover})",
                legendgroup=name,
                showlegend=False,
                opacity=PARTIAL_OPACITY,
                line={"color": color, "dash": "dot"},
                customdata=[custom[j] for j in points],
                hovertemplate="%{x} (" + hover + "): %{customdata[0]} (n=%{customdata[1]})"
                "<extra>" + name + "</extra>",
            )
        )
    return solid


def _weekly_line(
    fig: go.Figure,
    mondays: Sequence[date],
    values: Sequence[Any],
    custom: Sequence[Any],
    partial: Collection[date],
    *,
    name: str,
    color: str,
    tr: Translator,
    customdata: Sequence[Any],
    hovertemplate: str,
    dash: str = "solid",
) -> None:
    """One weekly line: its partial weeks apart (:func:`_partial_line`), then the full weeks
    as a line that is not drawn across an empty week."""
    solid = _partial_line(
        fig, mondays, values, custom, partial, name=name, color=color, hover=tr("partial")
    )
    fig.add_trace(
        go.Scatter(
            x=[_week(m) for m in mondays],
            y=solid,
            mode="lines+markers",
            name=name,
            legendgroup=name,
            connectgaps=False,
            line={"color": color, "dash": dash},
            customdata=customdata,
            hovertemplate=hovertemplate,
        )
    )


def response_distribution(
    incidents: pd.DataFrame, metric: str, targets: dict[str, float | None], tr: Translator
) -> go.Figure:
    """Box + every point per severity of ``tta`` or ``ttr`` (minutes, log axis), with each
    severity's SLA target as a marker. Under ``MIN_BOX`` values the box is not drawn: the
    points only; over ``MAX_POINTS`` the box with its outliers. ``incidents``: rows of
    ``queries/incident_list``, every incident of the period."""
    column = f"{metric}_seconds"
    fig = go.Figure()
    measured = incidents[incidents[column].notna()]
    for severity in _severities(measured):
        rows = measured[measured["severity"] == severity]
        if len(rows) > MAX_POINTS:
            _summarised_box(fig, rows, column, severity, tr)
            continue
        small = len(rows) < MIN_BOX
        fig.add_trace(
            go.Box(
                x=[severity] * len(rows),
                y=_minutes(rows[column]),
                name=f"{severity} (n={len(rows)})",
                boxpoints="all" if len(rows) <= MAX_POINTS else "outliers",
                jitter=0.4,
                pointpos=0,
                quartilemethod="linear",  # as quantile_cont, the KPI models' percentiles
                marker_color=SEVERITY_COLORS[severity],
                # too few values for quartiles to mean anything: a strip of points, no box
                fillcolor="rgba(0,0,0,0)" if small else None,
                line={"width": 0} if small else None,
                hoveron="points" if small else "boxes+points",
                customdata=list(zip(rows["incident_key"], rows[column].map(tr.dur), strict=True)),
                hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            )
        )
    with_target = [s for s in _severities(measured) if targets.get(s)]
    if with_target:
        fig.add_trace(
            go.Scatter(
                x=with_target,
                y=[_minutes(targets[s]) for s in with_target],
                mode="markers",
                marker={
                    "symbol": "line-ew-open",
                    "size": 46,
                    "line": {"width": 3},
                    "color": "#000",
                },
                name=tr("sla_target"),
                customdata=[tr.dur(targets[s]) for s in with_target],
                hovertemplate=tr("sla_target") + ": %{customdata}<extra></extra>",
            )
        )
    fig.update_layout(
        title=tr(f"distribution_{metric}"),
        yaxis={"title": tr("duration_log"), **MINUTE_TICKS},
        xaxis={"title": None, "categoryorder": "array", "categoryarray": list(SEVERITIES)},
        **_layout(tr),
    )
    return fig


def _summarised_box(
    fig: go.Figure, rows: pd.DataFrame, column: str, severity: str, tr: Translator
) -> None:
    """A box from its statistics (quartiles as quantile_cont, Tukey's fences at 1.5 IQR), and
    the values outside the fences as points: thousands of values never go to the browser."""
    minutes = _minutes(rows[column].astype(float))
    q1, median, q3 = (float(v) for v in minutes.quantile([0.25, 0.5, 0.75]))
    low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    inside = minutes[(minutes >= low) & (minutes <= high)]
    color = SEVERITY_COLORS[severity]
    fig.add_trace(
        go.Box(
            x=[severity],
            q1=[q1],
            median=[median],
            q3=[q3],
            lowerfence=[float(inside.min())],
            upperfence=[float(inside.max())],
            name=f"{severity} (n={len(rows)})",
            marker_color=color,
            legendgroup=severity,
        )
    )
    out = rows[(minutes < low) | (minutes > high)]
    fig.add_trace(
        go.Scatter(
            x=[severity] * len(out),
            y=_minutes(out[column].astype(float)),
            mode="markers",
            name=f"{severity} · {tr('outliers')} ({tr.num(len(out))})",
            legendgroup=severity,
            showlegend=False,
            marker={"color": color, "size": 5, "opacity": 0.6},
            customdata=list(zip(out["incident_key"], out[column].map(tr.dur), strict=True)),
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        )
    )


def weekly_trend(
    weekly: pd.DataFrame,
    metric: str,
    stat: str,
    targets: dict[str, float | None],
    tr: Translator,
    partial: Collection[date] = (),
) -> go.Figure:
    """One line per severity of the weekly ``stat`` (mean, median, p90) of ``metric``, with the
    SLA target of each severity drawn dashed. ``weekly``: kpis/response_times, grain week."""
    fig = go.Figure()
    column, n_column = f"{metric}_{stat}", f"{metric}_n"
    mondays = _all_weeks(weekly)
    weeks = [_week(m) for m in mondays]
    for severity in _severities(weekly[weekly["severity"] != POOLED]):
        rows = weekly[weekly["severity"] == severity]
        color = SEVERITY_COLORS[severity]
        seconds = _aligned(rows, mondays, column)
        ns = _aligned(rows, mondays, n_column)
        values = [None if s is None else _minutes(s) for s in seconds]
        custom = [[tr.dur(s), 0 if n is None else int(n)] for s, n in zip(seconds, ns, strict=True)]
        _weekly_line(
            fig,
            mondays,
            values,
            custom,
            partial,
            name=severity,
            color=color,
            tr=tr,
            customdata=custom,
            hovertemplate="%{x}: %{customdata[0]} (n=%{customdata[1]})"
            "<extra>" + severity + "</extra>",
        )
        if targets.get(severity):
            # a dashed trace, not a shape: shapes on a log axis take log10 coordinates
            fig.add_trace(
                go.Scatter(
                    x=weeks,
                    y=[_minutes(targets[severity])] * len(weeks),
                    mode="lines",
                    name=f"{tr('sla_target')} {severity}",
                    line={"color": color, "dash": "dash", "width": 1},
                    hovertemplate=f"{tr('sla_target')} {severity}: {tr.dur(targets[severity])}"
                    "<extra></extra>",
                )
            )
    fig.update_layout(
        title=tr(f"trend_{metric}_{stat}"),
        yaxis={"title": tr("duration_log"), **MINUTE_TICKS},
        xaxis={"title": tr("week"), **_week_axis(weekly, tr, partial)},
        **_layout(tr),
    )
    return fig


def weekly_compliance(
    weekly: pd.DataFrame, kind: str, tr: Translator, partial: Collection[date] = ()
) -> go.Figure:
    """SLA compliance per week and severity (``kind``: ack | resolve), 0–100 %, with n."""
    fig = go.Figure()
    column, n_column = f"{kind}_sla_compliance", f"{kind}_sla_n"
    mondays = _all_weeks(weekly)
    rows_with_target = weekly[weekly[n_column] > 0]
    for severity in [*_severities(rows_with_target), POOLED]:
        rows = weekly[weekly["severity"] == severity]
        if rows[n_column].sum() == 0:
            continue
        name = tr.severity(severity)
        color = SEVERITY_COLORS[severity]
        shares = _aligned(rows, mondays, column)
        values = [None if s is None else s * 100 for s in shares]
        ns = [0 if n is None else int(n) for n in _aligned(rows, mondays, n_column)]
        custom = [[tr.pct(s), n] for s, n in zip(shares, ns, strict=True)]
        _weekly_line(
            fig,
            mondays,
            values,
            custom,
            partial,
            name=name,
            color=color,
            tr=tr,
            customdata=ns,
            hovertemplate="%{x}: %{y:.1f} % (n=%{customdata})<extra>" + name + "</extra>",
            dash="dot" if severity == POOLED else "solid",
        )
    fig.update_layout(
        title=tr(f"compliance_{kind}"),
        yaxis={"title": "%", "range": [0, 105]},
        xaxis={"title": tr("week"), **_week_axis(weekly, tr, partial)},
        **_layout(tr),
    )
    return fig


def _bar_opacity(rows: pd.DataFrame, partial: Collection[date]) -> list[float] | float:
    if not partial:
        return 1.0
    return [PARTIAL_OPACITY if pd.Timestamp(b).date() in partial else 1.0 for b in rows["bucket"]]


def weekly_incidents(
    weekly: pd.DataFrame, tr: Translator, partial: Collection[date] = ()
) -> go.Figure:
    """Incidents per week, stacked by severity (kpis/response_times, grain week); a partial
    week's bars lighter."""
    fig = go.Figure()
    for severity in _severities(weekly[weekly["severity"] != POOLED]):
        rows = weekly[weekly["severity"] == severity]
        fig.add_trace(
            go.Bar(
                x=_weeks(rows["bucket"]),
                y=rows["incidents"],
                name=severity,
                marker={"color": SEVERITY_COLORS[severity], "opacity": _bar_opacity(rows, partial)},
                hovertemplate="%{x}: n=%{y}<extra>" + severity + "</extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        bargap=0.5,
        title=tr("incidents_per_week"),
        yaxis={"title": tr("incidents")},
        xaxis={"title": tr("week"), **_week_axis(weekly, tr, partial)},
        **_layout(tr),
    )
    return fig


def root_cause_trend(
    weekly: pd.DataFrame, labels: dict[str, str], tr: Translator, partial: Collection[date] = ()
) -> go.Figure:
    """Incidents per week stacked by root cause (kpis/root_causes, grain week)."""
    fig = go.Figure()
    keys = list(dict.fromkeys(weekly["root_cause"]))
    for i, key in enumerate(keys):
        rows = weekly[weekly["root_cause"] == key]
        fig.add_trace(
            go.Bar(
                x=_weeks(rows["bucket"]),
                y=rows["incidents"],
                name=labels.get(key, key),
                marker={
                    "color": CAUSE_COLORS[i % len(CAUSE_COLORS)],
                    "opacity": _bar_opacity(rows, partial),
                },
                customdata=rows["share"].map(tr.pct),
                hovertemplate="%{x}: n=%{y} (%{customdata})<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        title=tr("causes_over_time"),
        yaxis={"title": tr("incidents")},
        xaxis={"title": tr("week"), **_week_axis(weekly, tr, partial)},
        **_layout(tr),
    )
    return fig


def root_cause_share(period: pd.DataFrame, labels: dict[str, str], tr: Translator) -> go.Figure:
    """Incidents and share per root cause over the period (kpis/root_causes)."""
    rows = period.iloc[::-1]
    fig = go.Figure(
        go.Bar(
            y=[labels.get(k, k) for k in rows["root_cause"]],
            x=rows["incidents"],
            orientation="h",
            marker_color="#5e35b1",
            text=[
                f"{tr.num(n)} · {tr.pct(s)}"
                for n, s in zip(rows["incidents"], rows["share"], strict=True)
            ],
            textposition="auto",
            hovertemplate="%{y}: n=%{x}<extra></extra>",
        )
    )
    fig.update_layout(title=tr("causes_share"), xaxis={"title": tr("incidents")}, **_layout(tr))
    return fig


def _date_axis(tr: Translator) -> dict[str, Any]:
    """Dates in the language: ``23/11`` in pt-BR (no month names in English)."""
    if tr.is_pt:
        return {"tickformat": "%d/%m", "hoverformat": "%d/%m/%Y %H:%M"}
    return {"tickformat": "%b %d", "hoverformat": "%Y-%m-%d %H:%M"}


def _names(value: Any) -> list[str]:
    """A DuckDB list cell (list, array, or missing) as strings."""
    if value is None or isinstance(value, float | str):
        return []
    try:
        return [str(v) for v in value]
    except TypeError:
        return []


def _rows_of(frame: pd.DataFrame) -> list[list[str]]:
    """The timeline rows of each deploy: its app's services, else the app."""
    services = frame["services"] if "services" in frame else [None] * len(frame)
    return [_names(s) or [app] for s, app in zip(services, frame["app"], strict=True)]


def _explode(frame: pd.DataFrame, rows: list[list[str]]) -> pd.DataFrame:
    """One row of ``frame`` per timeline row it sits on (``row`` column)."""
    index = [i for i, names in enumerate(rows) for _ in names]
    out = frame.iloc[index].copy()
    out["row"] = [name for names in rows for name in names]
    return out


def deploy_timeline(
    deploys: pd.DataFrame, incidents: pd.DataFrame, failures: pd.DataFrame, tr: Translator
) -> go.Figure:
    """Deploys and the period's incidents on one row per service (a deploy on the rows of the
    services its Argo CD application is mapped to, else on its application's row; an incident on
    its service's row, else its attributed or mapped app's), failed syncs apart. Distinct
    markers: a deploy with an attributed incident is a square, a rollback a diamond, a sev1 a
    star. Inputs: queries/deploy_list, queries/timeline_incidents, queries/deploy_failures."""
    fig = go.Figure()
    no_app = tr("no_app")
    placed = _explode(deploys, _rows_of(deploys))
    service_of_app = {
        app: rows for app, rows in zip(deploys["app"], _rows_of(deploys), strict=True)
    }
    kinds = (
        (~placed["has_incident"] & ~placed["is_rollback"], tr("deploy"), "circle", "#2e7d32", 9),
        (placed["has_incident"], tr("deploy_with_incident"), "square", "#ef6c00", 11),
        (
            placed["is_rollback"] & ~placed["has_incident"],
            tr("rollback"),
            "diamond",
            "#6a1b9a",
            11,
        ),
    )
    for mask, name, symbol, color, size in kinds:
        rows = placed[mask]
        fig.add_trace(
            go.Scatter(
                x=rows["deployed_local"],
                y=rows["row"],
                mode="markers",
                name=name,
                marker={
                    "symbol": symbol,
                    "size": size,
                    "color": color,
                    "line": {"width": 1, "color": "#fff" if symbol == "circle" else "#000"},
                },
                customdata=list(
                    zip(
                        rows["revision"].str.slice(0, 10),
                        rows["incident_keys"].map(lambda k: ", ".join(k) or "—"),
                        strict=True,
                    )
                ),
                text=rows["app"],  # the row is the service: the hover names the application
                hovertemplate="%{text} @ %{customdata[0]}<br>%{x}<br>"
                + tr("incidents")
                + ": %{customdata[1]}<extra>"
                + name
                + "</extra>",
            )
        )
    if len(failures):
        failed = _explode(failures, [service_of_app.get(a, [a]) for a in failures["app"]])
        fig.add_trace(
            go.Scatter(
                x=failed["started_local"],
                y=failed["row"],
                mode="markers",
                name=tr("failed_sync"),
                marker={"symbol": "x", "size": 11, "color": "#000"},
                customdata=list(
                    zip(
                        failed["app"].map(plot_text),
                        failed["message"].fillna("—").map(plot_text),
                        strict=True,
                    )
                ),
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
            )
        )
    incident_rows = incidents.copy()
    if "service" in incident_rows:
        incident_rows["row"] = incident_rows["service"].fillna(incident_rows["app"]).fillna(no_app)
    else:
        incident_rows["row"] = incident_rows["app"].fillna(no_app)
    if len(incident_rows):
        incident_rows = incident_rows.drop_duplicates(["incident_key", "row"])
    for severity in _severities(incident_rows):
        rows = incident_rows[incident_rows["severity"] == severity]
        sev1 = severity == "sev1"
        fig.add_trace(
            go.Scatter(
                x=rows["created_local"],
                y=rows["row"],
                mode="markers",
                name=f"{tr('incident')} {severity}",
                marker={
                    "symbol": "star" if sev1 else "triangle-down",
                    "size": 15 if sev1 else 10,
                    "color": SEVERITY_COLORS[severity],
                    "opacity": 0.9,
                    "line": {"width": 1, "color": "#000" if sev1 else "#fff"},
                },
                customdata=list(
                    zip(
                        rows["incident_key"].map(plot_text),
                        rows["title"].fillna("—").map(plot_text),
                        strict=True,
                    )
                ),
                hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>%{x}<extra></extra>",
            )
        )
    names = set(placed["row"]) | (set(incident_rows["row"]) - {no_app})
    if len(failures):
        names |= {r for a in failures["app"] for r in service_of_app.get(a, [a])}
    ordered = sorted(names)
    if (incident_rows["row"] == no_app).any():
        ordered.append(no_app)
    fig.update_layout(
        title=tr("deploy_timeline"),
        yaxis={
            "title": None,
            "categoryorder": "array",
            "categoryarray": ordered[::-1],
            "automargin": True,
        },
        xaxis={"title": None, **_date_axis(tr)},
        height=max(300, 30 * len(ordered) + 160),
        # the legend under the axis: above, it would cover the title at 25 rows of labels
        **{**_layout(tr), "legend": {"orientation": "h", "y": -0.04, "yanchor": "top"}},
    )
    return fig


def rca_trend(weekly: pd.DataFrame, tr: Translator, partial: Collection[date] = ()) -> go.Figure:
    """Actions due per week (bars) and RCA adherence (line, right axis), from kpis/rca."""
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=_weeks(weekly["bucket"]),
            y=weekly["actions_due"],
            name=tr("actions_due"),
            marker={"color": "#b0bec5", "opacity": _bar_opacity(weekly, partial)},
            hovertemplate="%{x}: n=%{y}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=_weeks(weekly["bucket"]),
            y=weekly["rca_adherence"] * 100,
            name=tr("rca_adherence"),
            mode="lines+markers",
            yaxis="y2",
            connectgaps=False,
            line={"color": "#2e7d32"},
            customdata=list(zip(weekly["actions_on_time"], weekly["actions_due"], strict=True)),
            hovertemplate="%{y:.1f} % (%{customdata[0]}/%{customdata[1]}, "
            "n=%{customdata[1]})<extra></extra>",
        )
    )
    fig.update_layout(
        title=tr("rca_trend"),
        xaxis={"title": tr("week"), **_week_axis(weekly, tr, partial)},
        yaxis={"title": tr("actions_due")},
        yaxis2={
            "title": "%",
            "overlaying": "y",
            "side": "right",
            "range": [0, 105],
            "tickvals": [0, 25, 50, 75, 100],
            "showgrid": False,
        },
        **_layout(tr),
    )
    return fig


def overdue_by_owner(owners: pd.DataFrame, tr: Translator, scope: str = "") -> go.Figure:
    """Overdue actions per owner, must-fix apart (queries/overdue_by_owner); ``scope`` says
    which actions ("(prazo no período)")."""
    rows = owners.iloc[::-1]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=rows["owner"].map(plot_text),
            x=rows["overdue_must_fix"],
            orientation="h",
            name=tr("must_fix"),
            marker_color="#c62828",
            hovertemplate="%{y}: n=%{x}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            y=rows["owner"].map(plot_text),
            x=rows["overdue_other"],
            orientation="h",
            name=tr("other_actions"),
            marker_color="#ffb300",
            hovertemplate="%{y}: n=%{x}<extra></extra>",
        )
    )
    fig.update_layout(
        barmode="stack",
        title=f"{tr('overdue_by_owner')} {scope}".strip(),
        xaxis={"title": tr("overdue_actions")},
        height=max(240, 40 * len(rows) + 120),
        **_layout(tr),
    )
    return fig


def review_chart(chart: Chart, tr: Translator) -> go.Figure:
    """A chart of the weekly review (``app/review/trends.py``) for the page, by the same rules:
    partial weeks lighter and labelled, gaps for unmeasured weeks, n on hover."""
    from plotly.subplots import make_subplots

    columns = max(1, min(chart.columns, len(chart.panels)))
    rows = -(-len(chart.panels) // columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[panel.title for panel in chart.panels],
        shared_xaxes=True,
        vertical_spacing=0.12,
    )
    partial_weeks = [w for w, p in zip(chart.weeks, chart.partial, strict=True) if p]
    ticktext = [
        f"{label}<br><i>{chart.partial_label}</i>" if p else label
        for label, p in zip(chart.labels, chart.partial, strict=True)
    ]
    for index, panel in enumerate(chart.panels):
        row, col = index // columns + 1, index % columns + 1
        scale = {"duration": 1 / 60.0, "share": 100.0, "count": 1.0}[panel.unit]
        for series in panel.series:
            values = [None if v is None else v * scale for v in series.values]
            shown = [
                tr.dur(v)
                if panel.unit == "duration"
                else tr.pct(v)
                if panel.unit == "share"
                else tr.num(v)
                for v in series.values
            ]
            n = ["—" if x is None else tr.num(x) for x in series.n]
            custom = list(zip(shown, n, chart.weeks, strict=True))
            legend = index == 0
            if series.style == "bar":
                trace: Any = go.Bar(
                    x=list(chart.labels),
                    y=values,
                    name=series.name,
                    legendgroup=series.name,
                    showlegend=legend,
                    marker={
                        "color": series.color,
                        "opacity": [PARTIAL_OPACITY if p else 1.0 for p in chart.partial],
                    },
                    customdata=custom,
                    hovertemplate="%{customdata[2]}: n=%{customdata[1]}<extra>"
                    + series.name
                    + "</extra>",
                )
            elif series.style == "target":
                trace = go.Scatter(
                    x=list(chart.labels),
                    y=values,
                    mode="lines",
                    name=series.name,
                    legendgroup=series.name,
                    showlegend=legend,
                    line={"color": series.color, "dash": "dot", "width": 1},
                    hovertemplate=series.name + "<extra></extra>",
                )
            else:
                solid = [None if p else v for v, p in zip(values, chart.partial, strict=True)]
                trace = go.Scatter(
                    x=list(chart.labels),
                    y=solid,
                    mode="lines+markers",
                    name=series.name,
                    legendgroup=series.name,
                    showlegend=legend,
                    connectgaps=False,
                    line={"color": series.color, "dash": "dash" if series.dashed else "solid"},
                    customdata=custom,
                    hovertemplate="%{customdata[2]}: %{customdata[0]} (n=%{customdata[1]})"
                    "<extra>" + series.name + "</extra>",
                )
                for i, p in enumerate(chart.partial):
                    if p and values[i] is not None:
                        points = [j for j in (i - 1, i) if j >= 0 and values[j] is not None]
                        fig.add_trace(
                            go.Scatter(
                                x=[chart.labels[j] for j in points],
                                y=[values[j] for j in points],
                                mode="lines+markers",
                                name=f"{series.name} ({chart.partial_label})",
                                legendgroup=series.name,
                                showlegend=False,
                                opacity=PARTIAL_OPACITY,
                                line={"color": series.color, "dash": "dot"},
                                customdata=[custom[j] for j in points],
                                hovertemplate="%{customdata[2]} (" + chart.partial_label + "): "
                                "%{customdata[0]} (n=%{customdata[1]})<extra></extra>",
                            ),
                            row=row,
                            col=col,
                        )
            fig.add_trace(trace, row=row, col=col)
        fig.update_xaxes(
            type="category",
            categoryorder="array",
            categoryarray=list(chart.labels),
            tickvals=list(chart.labels),
            ticktext=ticktext,
            row=row,
            col=col,
        )
        if panel.unit == "duration" and panel.log:
            fig.update_yaxes(**MINUTE_TICKS, row=row, col=col)
        elif panel.unit == "share":
            fig.update_yaxes(range=[0, 105], ticksuffix=" %", row=row, col=col)
    fig.update_layout(
        title=chart.title,
        barmode="stack",
        height=300 * rows + 120,
        meta={"partial_weeks": partial_weeks},
        **_layout(tr),
    )
    return fig


# -- on-call load and alert noise (docs/kpis.md §10, §11) ---------------------------------------

INTERRUPTION_CLASSES = ("business_hours", "off_hours", "sleep_hours")
CLASS_COLORS = {"business_hours": "#90a4ae", "off_hours": "#ffb300", "sleep_hours": "#4527a0"}


def weekly_interruptions(
    weekly: pd.DataFrame, tr: Translator, partial: Collection[date] = ()
) -> go.Figure:
    """Interruptions per week stacked by class (kpis/oncall, grain week); a partial week's
    bars lighter."""
    fig = go.Figure()
    for name in INTERRUPTION_CLASSES:
        fig.add_trace(
            go.Bar(
                x=_weeks(weekly["bucket"]),
                y=weekly[name],
                name=tr(f"class.{name}"),
                marker={"color": CLASS_COLORS[name], "opacity": _bar_opacity(weekly, partial)},
                hovertemplate="%{x}: n=%{y}<extra>" + tr(f"class.{name}") + "</extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        bargap=0.4,
        title=tr("interruptions_per_week"),
        yaxis={"title": tr("interruptions")},
        xaxis={"title": tr("week"), **_week_axis(weekly, tr, partial)},
        **_layout(tr),
    )
    return fig


def interruption_heatmap(hours: pd.DataFrame, tr: Translator) -> go.Figure:
    """Interruptions by local hour (x) and weekday (y, Monday on top): kpis/oncall_hours."""
    days = [tr(f"weekday.{day}") for day in range(1, 8)]
    grid = [
        [int(v) for v in hours[hours["weekday"] == day].sort_values("hour")["interruptions"]]
        for day in range(1, 8)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=grid,
            x=[f"{hour:02d}h" for hour in range(24)],
            y=days,
            colorscale="Purples",
            hovertemplate="%{y} %{x}: n=%{z}<extra></extra>",
            colorbar={"title": tr("interruptions")},
        )
    )
    fig.update_layout(
        title=tr("interruptions_heatmap"),
        xaxis={"title": tr("local_hour"), "type": "category"},
        yaxis={"autorange": "reversed", "type": "category"},
        **{**_layout(tr), "hovermode": "closest"},
    )
    return fig


def weekly_noise(weekly: pd.DataFrame, tr: Translator, partial: Collection[date] = ()) -> go.Figure:
    """The two noise shares per week (kpis/noise, grain week), 0–100 %, with their n; a week
    with nothing measured is a gap, a partial week lighter."""
    fig = go.Figure()
    mondays = _all_weeks(weekly)
    lines = (
        ("resolved_unacknowledged_share", "resolved", "#6d4c41"),
        ("flapping_share", "incidents", "#e53935"),
    )
    for column, n_column, color in lines:
        name = tr(f"kpi.{column}")
        shares = _aligned(weekly, mondays, column)
        values = [None if v is None else v * 100 for v in shares]
        ns = [0 if n is None else int(n) for n in _aligned(weekly, mondays, n_column)]
        custom = [[tr.pct(v), n] for v, n in zip(shares, ns, strict=True)]
        _weekly_line(
            fig,
            mondays,
            values,
            custom,
            partial,
            name=name,
            color=color,
            tr=tr,
            customdata=ns,
            hovertemplate="%{x}: %{y:.1f} % (n=%{customdata})<extra></extra>",
        )
    fig.update_layout(
        title=tr("noise_per_week"),
        yaxis={"title": "%", "range": [0, 105]},
        xaxis={"title": tr("week"), **_week_axis(weekly, tr, partial)},
        **_layout(tr),
    )
    return fig
