"""Plotly figures: pure functions from the DataFrames of ``metrics`` to ``go.Figure``, tested
without Streamlit. They draw what the SQL computed; the only arithmetic here is unit
conversion (seconds → minutes) for the axes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from opskpi.app.escaping import plot_text
from opskpi.app.i18n.translator import Translator
from opskpi.config.vocabulary import POOLED, SEVERITIES

SEVERITY_COLORS = {
    "sev1": "#c62828",
    "sev2": "#ef6c00",
    "sev3": "#1565c0",
    "sev4": "#757575",
    "unknown": "#9e9d24",
    POOLED: "#263238",
}
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


def _minutes(seconds: Any) -> Any:
    return seconds / 60.0


def _weeks(buckets: pd.Series) -> list[str]:
    """Bucket dates (Mondays) as ISO week labels, so a weekly axis is categorical."""
    return [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in pd.to_datetime(buckets)]


def _week_axis(frame: pd.DataFrame) -> dict[str, Any]:
    """A categorical week axis in calendar order (traces may lack some weeks)."""
    weeks = _weeks(pd.Series(sorted(set(pd.to_datetime(frame["bucket"])))))
    return {"type": "category", "categoryorder": "array", "categoryarray": weeks}


_TICK_MINUTES = (1, 5, 15, 60, 240, 1440, 10080)
MINUTE_TICKS: dict[str, Any] = {  # a log axis in minutes, labelled as durations for people
    "type": "log",
    "tickvals": list(_TICK_MINUTES),
    "ticktext": ["1 min", "5 min", "15 min", "1 h", "4 h", "1 d", "7 d"],
}


def _severities(frame: pd.DataFrame) -> list[str]:
    present = set(frame["severity"].dropna()) if "severity" in frame else set()
    return [s for s in SEVERITIES if s in present]


def response_distribution(
    incidents: pd.DataFrame, metric: str, targets: dict[str, float | None], tr: Translator
) -> go.Figure:
    """Box + every point per severity of ``tta`` or ``ttr`` (minutes, log axis), with each
    severity's SLA target as a marker. ``incidents``: rows of ``queries/incident_list``."""
    column = f"{metric}_seconds"
    fig = go.Figure()
    measured = incidents[incidents[column].notna()]
    for severity in _severities(measured):
        rows = measured[measured["severity"] == severity]
        fig.add_trace(
            go.Box(
                x=[severity] * len(rows),
                y=_minutes(rows[column]),
                name=f"{severity} (n={len(rows)})",
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                quartilemethod="linear",  # as quantile_cont, the KPI models' percentiles
                marker_color=SEVERITY_COLORS[severity],
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
        **LAYOUT,
    )
    return fig


def weekly_trend(
    weekly: pd.DataFrame,
    metric: str,
    stat: str,
    targets: dict[str, float | None],
    tr: Translator,
) -> go.Figure:
    """One line per severity of the weekly ``stat`` (mean, median, p90) of ``metric``, with the
    SLA target of each severity drawn dashed. ``weekly``: kpis/response_times, grain week."""
    fig = go.Figure()
    column, n_column = f"{metric}_{stat}", f"{metric}_n"
    for severity in _severities(weekly[weekly["severity"] != POOLED]):
        rows = weekly[weekly["severity"] == severity]
        color = SEVERITY_COLORS[severity]
        fig.add_trace(
            go.Scatter(
                x=_weeks(rows["bucket"]),
                y=_minutes(rows[column]),
                mode="lines+markers",
                name=severity,
                line={"color": color},
                connectgaps=False,
                customdata=list(zip(rows[column].map(tr.dur), rows[n_column], strict=True)),
                hovertemplate="%{x}: %{customdata[0]} (n=%{customdata[1]})"
                "<extra>" + severity + "</extra>",
            )
        )
        if targets.get(severity):
            # a dashed trace, not a shape: shapes on a log axis take log10 coordinates
            fig.add_trace(
                go.Scatter(
                    x=_weeks(rows["bucket"]),
                    y=[_minutes(targets[severity])] * len(rows),
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
        xaxis={"title": tr("week"), **_week_axis(weekly)},
        **LAYOUT,
    )
    return fig


def weekly_compliance(weekly: pd.DataFrame, kind: str, tr: Translator) -> go.Figure:
    """SLA compliance per week and severity (``kind``: ack | resolve), 0–100 %, with n."""
    fig = go.Figure()
    column, n_column = f"{kind}_sla_compliance", f"{kind}_sla_n"
    rows_with_target = weekly[weekly[n_column] > 0]
    for severity in [*_severities(rows_with_target), POOLED]:
        rows = weekly[weekly["severity"] == severity]
        if rows[n_column].sum() == 0:
            continue
        fig.add_trace(
            go.Scatter(
                x=_weeks(rows["bucket"]),
                y=rows[column] * 100,
                mode="lines+markers",
                name=tr.severity(severity),
                line={
                    "color": SEVERITY_COLORS[severity],
                    "dash": "dot" if severity == POOLED else "solid",
                },
                customdata=rows[n_column],
                hovertemplate="%{x}: %{y:.1f} % (n=%{customdata})<extra></extra>",
            )
        )
    fig.update_layout(
        title=tr(f"compliance_{kind}"),
        yaxis={"title": "%", "range": [0, 105]},
        xaxis={"title": tr("week"), **_week_axis(weekly)},
        **LAYOUT,
    )
    return fig


def weekly_incidents(weekly: pd.DataFrame, tr: Translator) -> go.Figure:
    """Incidents per week, stacked by severity (kpis/response_times, grain week)."""
    fig = go.Figure()
    for severity in _severities(weekly[weekly["severity"] != POOLED]):
        rows = weekly[weekly["severity"] == severity]
        fig.add_trace(
            go.Bar(
                x=_weeks(rows["bucket"]),
                y=rows["incidents"],
                name=severity,
                marker_color=SEVERITY_COLORS[severity],
            )
        )
    fig.update_layout(
        barmode="stack",
        bargap=0.5,
        title=tr("incidents_per_week"),
        yaxis={"title": tr("incidents")},
        xaxis={"title": tr("week"), **_week_axis(weekly)},
        **LAYOUT,
    )
    return fig


def root_cause_trend(weekly: pd.DataFrame, labels: dict[str, str], tr: Translator) -> go.Figure:
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
                marker_color=CAUSE_COLORS[i % len(CAUSE_COLORS)],
                customdata=rows["share"].map(tr.pct),
                hovertemplate="%{x}: %{y} (%{customdata})<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        title=tr("causes_over_time"),
        yaxis={"title": tr("incidents")},
        xaxis={"title": tr("week"), **_week_axis(weekly)},
        **LAYOUT,
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
                f"{n} · {tr.pct(s)}" for n, s in zip(rows["incidents"], rows["share"], strict=True)
            ],
            textposition="auto",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_layout(title=tr("causes_share"), xaxis={"title": tr("incidents")}, **LAYOUT)
    return fig


def deploy_timeline(
    deploys: pd.DataFrame, incidents: pd.DataFrame, failures: pd.DataFrame, tr: Translator
) -> go.Figure:
    """Deploys per Argo CD application (one row each) with the period's incidents overlaid on
    the row of the app they are attributed to (or mapped to), failed syncs apart.
    Inputs: queries/deploy_list, queries/timeline_incidents, queries/deploy_failures."""
    fig = go.Figure()
    no_app = tr("no_app")
    kinds = (
        (~deploys["has_incident"] & ~deploys["is_rollback"], tr("deploy"), "circle", "#2e7d32"),
        (deploys["has_incident"], tr("deploy_with_incident"), "circle", "#c62828"),
        (deploys["is_rollback"] & ~deploys["has_incident"], tr("rollback"), "diamond", "#6a1b9a"),
    )
    for mask, name, symbol, color in kinds:
        rows = deploys[mask]
        fig.add_trace(
            go.Scatter(
                x=rows["deployed_local"],
                y=rows["app"],
                mode="markers",
                name=name,
                marker={
                    "symbol": symbol,
                    "size": 12,
                    "color": color,
                    "line": {"width": 1, "color": "#fff"},
                },
                customdata=list(
                    zip(
                        rows["revision"].str.slice(0, 10),
                        rows["incident_keys"].map(lambda k: ", ".join(k) or "—"),
                        strict=True,
                    )
                ),
                hovertemplate="%{y} @ %{customdata[0]}<br>%{x|%d/%m %H:%M}<br>"
                + tr("incidents")
                + ": %{customdata[1]}<extra></extra>",
            )
        )
    if len(failures):
        fig.add_trace(
            go.Scatter(
                x=failures["started_local"],
                y=failures["app"],
                mode="markers",
                name=tr("failed_sync"),
                marker={"symbol": "x", "size": 12, "color": "#000"},
                customdata=failures["message"].fillna("").map(plot_text),
                hovertemplate="%{y}: %{customdata}<extra></extra>",
            )
        )
    for severity in _severities(incidents):
        rows = incidents[incidents["severity"] == severity]
        fig.add_trace(
            go.Scatter(
                x=rows["created_local"],
                y=rows["app"].fillna(no_app),
                mode="markers",
                name=f"{tr('incident')} {severity}",
                marker={
                    "symbol": "triangle-down",
                    "size": 13,
                    "color": SEVERITY_COLORS[severity],
                    "opacity": 0.85,
                },
                customdata=list(
                    zip(rows["incident_key"], rows["title"].map(plot_text), strict=True)
                ),
                hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>%{x|%d/%m %H:%M}"
                "<extra></extra>",
            )
        )
    apps = sorted(set(deploys["app"]) | set(failures["app"]) | set(incidents["app"].dropna()))
    if incidents["app"].isna().any():
        apps.append(no_app)
    fig.update_layout(
        title=tr("deploy_timeline"),
        yaxis={"title": None, "categoryorder": "array", "categoryarray": apps[::-1]},
        xaxis={"title": None},
        height=max(260, 70 * len(apps) + 120),
        **LAYOUT,
    )
    return fig


def rca_trend(weekly: pd.DataFrame, tr: Translator) -> go.Figure:
    """Actions due per week (bars) and RCA adherence (line, right axis), from kpis/rca."""
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=_weeks(weekly["bucket"]),
            y=weekly["actions_due"],
            name=tr("actions_due"),
            marker_color="#b0bec5",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=_weeks(weekly["bucket"]),
            y=weekly["rca_adherence"] * 100,
            name=tr("rca_adherence"),
            mode="lines+markers",
            yaxis="y2",
            line={"color": "#2e7d32"},
            customdata=list(zip(weekly["actions_on_time"], weekly["actions_due"], strict=True)),
            hovertemplate="%{y:.1f} % (%{customdata[0]}/%{customdata[1]})<extra></extra>",
        )
    )
    fig.update_layout(
        title=tr("rca_trend"),
        xaxis={"title": tr("week"), **_week_axis(weekly)},
        yaxis={"title": tr("actions_due")},
        yaxis2={
            "title": "%",
            "overlaying": "y",
            "side": "right",
            "range": [0, 105],
            "tickvals": [0, 25, 50, 75, 100],
            "showgrid": False,
        },
        **LAYOUT,
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
        )
    )
    fig.add_trace(
        go.Bar(
            y=rows["owner"].map(plot_text),
            x=rows["overdue_other"],
            orientation="h",
            name=tr("other_actions"),
            marker_color="#ffb300",
        )
    )
    fig.update_layout(
        barmode="stack",
        title=f"{tr('overdue_by_owner')} {scope}".strip(),
        xaxis={"title": tr("overdue_actions")},
        height=max(240, 40 * len(rows) + 120),
        **LAYOUT,
    )
    return fig


# -- on-call load and alert noise (docs/kpis.md §10, §11) ---------------------------------------

INTERRUPTION_CLASSES = ("business_hours", "off_hours", "sleep_hours")
CLASS_COLORS = {"business_hours": "#90a4ae", "off_hours": "#ffb300", "sleep_hours": "#4527a0"}


def weekly_interruptions(weekly: pd.DataFrame, tr: Translator) -> go.Figure:
    """Interruptions per week stacked by class (kpis/oncall, grain week)."""
    fig = go.Figure()
    for name in INTERRUPTION_CLASSES:
        fig.add_trace(
            go.Bar(
                x=_weeks(weekly["bucket"]),
                y=weekly[name],
                name=tr(f"class.{name}"),
                marker_color=CLASS_COLORS[name],
            )
        )
    fig.update_layout(
        barmode="stack",
        bargap=0.4,
        title=tr("interruptions_per_week"),
        yaxis={"title": tr("interruptions")},
        xaxis={"title": tr("week"), **_week_axis(weekly)},
        **LAYOUT,
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
            hovertemplate="%{y} %{x}: %{z}<extra></extra>",
            colorbar={"title": tr("interruptions")},
        )
    )
    fig.update_layout(
        title=tr("interruptions_heatmap"),
        xaxis={"title": tr("local_hour"), "type": "category"},
        yaxis={"autorange": "reversed", "type": "category"},
        **{**LAYOUT, "hovermode": "closest"},
    )
    return fig


def weekly_noise(weekly: pd.DataFrame, tr: Translator) -> go.Figure:
    """The two noise shares per week (kpis/noise, grain week), 0–100 %, with their n."""
    fig = go.Figure()
    lines = (
        ("resolved_unacknowledged_share", "resolved", "#6d4c41"),
        ("flapping_share", "incidents", "#e53935"),
    )
    for column, n_column, color in lines:
        fig.add_trace(
            go.Scatter(
                x=_weeks(weekly["bucket"]),
                y=weekly[column] * 100,
                mode="lines+markers",
                name=tr(f"kpi.{column}"),
                line={"color": color},
                customdata=weekly[n_column],
                hovertemplate="%{x}: %{y:.1f} % (n=%{customdata})<extra></extra>",
            )
        )
    fig.update_layout(
        title=tr("noise_per_week"),
        yaxis={"title": "%", "range": [0, 105]},
        xaxis={"title": tr("week"), **_week_axis(weekly)},
        **LAYOUT,
    )
    return fig
