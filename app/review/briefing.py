"""The briefing at the top of the weekly review (docs/kpis.md §9): what needs a decision this
week, read in five minutes before the meeting.

- every sev1 and sev2 incident of the week: title, service, tta and ttr against the severity's
  target (a breach marked ✗), root cause, postmortem state and link;
- every incident open now and past its target, whatever week it was created in;
- must-fix actions due in the week and still not done, by owner;
- postmortems that became late since the week began (and how many are late in all);
- the KPIs that crossed their target (``[report.targets]``, and each severity's median against
  its SLA) or moved more than ``[report] change_pp`` / ``change_ratio`` week over week.

Every count says its scope: the week's, or everything open now.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from opskpi.app.catalogue import CATALOGUE, Kpi
from opskpi.app.i18n.translator import Translator
from opskpi.app.review.context import FormattedRows, ReviewContext
from opskpi.app.review.document import Cell, Link, Paragraph, Section
from opskpi.config.vocabulary import POLICY_SEVERITIES
from opskpi.metrics import lists
from opskpi.metrics.report import KpiReport

HIGHLIGHT_SEVERITIES = ("sev1", "sev2")
BREACH = "✗"
# the catalogue KPIs whose week-over-week move the briefing checks, in the KPI table's order
MOVING_KPIS = (
    "incidents",
    "tta_median",
    "tta_p90",
    "ttr_median",
    "ttr_p90",
    "ack_sla",
    "resolve_sla",
    "release_caused",
    "change_failure_rate",
    "runbook_coverage",
    "rca_adherence",
    "overdue_must_fix",
    "postmortems_on_time",
    "paging_window",
    "escalation_rate",
)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))


def _text(value: Any, default: str = "—") -> str:
    return default if _missing(value) else str(value)


def _incident(row: Mapping[Hashable, Any]) -> Link:
    url = _text(row.get("url"), "")
    return Link(str(row["incident_key"]), url or None)


def against(tr: Translator, seconds: Any, target: Any) -> str:
    """A duration against its target: ``4 min``, or ``20 min ✗`` past it (the targets are
    stated once, above the table)."""
    if _missing(seconds):
        return tr.no_data
    shown = tr.dur(seconds)
    if _missing(target) or not target or float(seconds) <= float(target):
        return shown
    return f"{shown} {BREACH}"


def _targets_line(ctx: ReviewContext, severities: tuple[str, ...]) -> str:
    tr = ctx.tr
    return " · ".join(
        tr(
            "targets_of",
            severity=severity,
            ack=tr.dur(ctx.targets.get(severity, {}).get("ack")),
            resolve=tr.dur(ctx.targets.get(severity, {}).get("resolve")),
        )
        for severity in severities
    )


# -- sev1 and sev2 of the week ---------------------------------------------------------------------


def _postmortem_cell(ctx: ReviewContext, row: Mapping[Hashable, Any], status: Any) -> Cell:
    tr = ctx.tr
    ids = [str(i) for i in row["postmortem_ids"]] if not _missing(row["postmortem_ids"]) else []
    if row["is_open"]:
        return tr("pm_incident_open")
    if status is None:  # no deadline: sev4, a bad resolve time
        return ", ".join(ids) or "—"
    state = tr.word("pm", status["postmortem_status"])
    if status["postmortem_status"] in ("missing", "pending"):
        return tr("pm_state_due", state=state, deadline=tr.when(status["deadline_local"]))
    return ctx.postmortem_link(f"{state} · {', '.join(ids)}", ids[0] if ids else None)


def severe_incidents(ctx: ReviewContext) -> tuple[Section, str]:
    tr = ctx.tr
    wanted = tuple(
        s for s in HIGHLIGHT_SEVERITIES if not ctx.filters.severities or s in ctx.filters.severities
    )
    title = tr("brief_severe")
    if not wanted:
        return Section(title, (tr("brief_severe_filtered"),)), tr("lead_severe_filtered")
    frame = lists.incidents(
        ctx.con,
        ctx.period,
        replace(ctx.filters, severities=wanted),
        order_by="severity",
        limit=1_000_000,
    )
    statuses = lists.postmortem_status(ctx.con, ctx.period, ctx.filters, only_problems=False)
    status_of = {r["incident_key"]: r for r in statuses.to_dict("records")}
    frame = frame.sort_values(["severity", "created_at"], kind="stable")
    rows = []
    for r in frame.to_dict("records"):
        age = (ctx.as_of - pd.Timestamp(r["created_at"]).to_pydatetime()).total_seconds()
        ttr = (
            tr("open_for", age=against(tr, age, r["resolve_target_seconds"]))
            if r["is_open"]
            else against(tr, r["ttr_seconds"], r["resolve_target_seconds"])
        )
        rows.append(
            (
                _incident(r),
                _text(r["title"]),
                tr.severity(r["severity"]),
                _text(r["service"]),
                tr.short_when(r["created_local"]),
                against(tr, r["tta_seconds"], r["ack_target_seconds"])
                if not _missing(r["tta_seconds"]) or not r["is_open"]
                else tr("not_acked"),
                ttr,
                ctx.cause(r["root_cause"]),
                _postmortem_cell(ctx, r, status_of.get(r["incident_key"])),
            )
        )
    counts = frame["severity"].value_counts().to_dict()
    summary = tr(
        "brief_severe_scope",
        parts=", ".join(f"{tr.num(counts.get(s, 0))} {s}" for s in wanted),
        targets=_targets_line(ctx, wanted),
    )
    lead = tr("lead_severe", parts=" · ".join(f"{tr.num(counts.get(s, 0))} {s}" for s in wanted))
    if not rows:
        return Section(title, (Paragraph((summary,), "note"), tr("brief_none_severe"))), lead
    columns = (
        tr("incident"),
        tr("title"),
        tr("sev_short"),
        tr("service"),
        tr("created"),
        "TTA",
        "TTR",
        tr("root_cause"),
        tr("postmortem"),
    )
    blocks = ctx.capped(
        "sev1-sev2",
        columns,
        rows,
        limit=ctx.options.briefing_limit,
        page="incidents",
        page_params={"severity": list(wanted), "sort": "severity"},
    )
    return Section(title, (Paragraph((summary,), "note"), *blocks)), lead


# -- open and past target now ------------------------------------------------------------------


def open_breaching(ctx: ReviewContext) -> tuple[Section, str]:
    tr = ctx.tr
    frame = lists.open_breaching(ctx.con, ctx.as_of, ctx.filters)
    breaching = int(frame["is_breaching"].sum()) if len(frame) else 0
    unacked = int(frame["is_unacked_over"].sum()) if len(frame) else 0
    scope = Paragraph(
        (tr("brief_open_scope", breaching=tr.num(breaching), unacked=tr.num(unacked)),), "note"
    )
    title = tr("brief_open")
    lead = tr("lead_open", n=tr.num(len(frame)))
    if frame.empty:
        return Section(title, (scope, tr("brief_none_open"))), lead
    rows = []
    for r in frame.to_dict("records"):
        problems = []
        if r["is_breaching"]:
            problems.append(tr("past_resolve_target", target=tr.dur(r["resolve_target_seconds"])))
        if r["is_unacked_over"]:
            problems.append(tr("unacked_past_target", target=tr.dur(r["ack_target_seconds"])))
        rows.append(
            (
                _incident(r),
                _text(r["title"]),
                tr.severity(r["severity"]),
                _text(r["service"]),
                tr.when(r["created_local"]),
                tr.dur(r["age_seconds"]),
                f"{BREACH} " + "; ".join(problems),
            )
        )
    columns = (
        tr("incident"),
        tr("title"),
        tr("sev_short"),
        tr("service"),
        tr("created"),
        tr("open_age"),
        tr("problem"),
    )
    blocks = ctx.capped(
        "open-breaching", columns, rows, limit=ctx.options.briefing_limit, page=None
    )
    return Section(title, (scope, *blocks)), lead


# -- must-fix actions that became overdue this week ------------------------------------------------


def must_fix_overdue(ctx: ReviewContext) -> tuple[Section, str]:
    tr = ctx.tr
    frame = lists.actions(
        ctx.con,
        ctx.as_of,
        ctx.filters,
        due_since=ctx.period.since,
        due_until=ctx.period.until,
        only_overdue=True,
        only_must_fix=True,
    )
    title = tr("brief_must_fix")
    scope = Paragraph((tr("brief_must_fix_scope"),), "note")
    if frame.empty:
        return Section(title, (scope, tr("brief_none_must_fix"))), tr("lead_must_fix_none")
    frame = frame.assign(owner_text=frame["owner"].map(lambda o: _text(o, tr("no_owner"))))
    frame = frame.sort_values(["owner_text", "due_date", "action_key"], kind="stable")
    by_owner = frame.groupby("owner_text", sort=False).size()
    owners = " · ".join(f"{owner} {tr.num(n)}" for owner, n in by_owner.items())
    rows = FormattedRows(
        frame,
        lambda r: (
            r["owner_text"],
            _text(r["action_id"], r["action_key"]),
            _text(r["title"]),
            tr.day(r["due_date"]),
            tr.num(r["days_overdue"]),
            tr.word("status", r["status"]),
            ctx.postmortem_link(_text(r["postmortem_id"]), _text(r["postmortem_id"], "") or None),
            ", ".join(str(k) for k in r["incident_keys"])
            if not _missing(r["incident_keys"])
            else "—",
        ),
    )
    columns = (
        tr("owner"),
        tr("action"),
        tr("description"),
        tr("due"),
        tr("days_overdue"),
        tr("status"),
        tr("postmortem"),
        tr("incidents"),
    )
    blocks = ctx.capped(
        "must-fix-overdue",
        columns,
        rows,
        limit=ctx.options.briefing_limit,
        page="actions",
        page_params={"scope": "all"},
    )
    owners_line = Paragraph((tr("by_owner", owners=owners),))
    lead = tr("lead_must_fix", n=tr.num(len(frame)), owners=tr.num(len(by_owner)))
    return Section(title, (scope, owners_line, *blocks)), lead


# -- postmortems now late ------------------------------------------------------------------------


def late_postmortems(ctx: ReviewContext) -> tuple[Section, str]:
    tr = ctx.tr
    monday = datetime.combine(ctx.period.since, time(0), ZoneInfo(ctx.timezone))
    every = lists.postmortems_late_now(ctx.con, ctx.as_of, ctx.filters)
    frame = lists.postmortems_late_now(ctx.con, ctx.as_of, ctx.filters, deadline_since=monday)
    scope = Paragraph(
        (
            tr(
                "brief_late_pm_scope",
                since=tr.day(ctx.period.since),
                n=tr.num(len(frame)),
                total=tr.num(len(every)),
            ),
        ),
        "note",
    )
    title = tr("brief_late_pm")
    lead = tr(
        "lead_late_pm",
        n=tr.num(len(frame)),
        since=tr.day(ctx.period.since),
        total=tr.num(len(every)),
    )
    if frame.empty:
        return Section(title, (scope, tr("brief_none_late_pm"))), lead
    rows = FormattedRows(
        frame,
        lambda r: (
            _incident(r),
            _text(r["title"]),
            tr.severity(r["severity"]),
            _text(r["service"]),
            tr.when(r["resolved_local"]),
            tr.when(r["deadline_local"]),
            tr.dur(r["seconds_past_deadline"]),
        ),
    )
    columns = (
        tr("incident"),
        tr("title"),
        tr("sev_short"),
        tr("service"),
        tr("resolved_at"),
        tr("deadline"),
        tr("past_deadline"),
    )
    blocks = ctx.capped(
        "late-postmortems", columns, rows, limit=ctx.options.briefing_limit, page="actions"
    )
    return Section(title, (scope, *blocks)), lead


# -- KPIs that crossed a target or moved ----------------------------------------------------------


@dataclass(frozen=True)
class Move:
    label: str
    now: str
    before: str
    change: str
    n: str
    why: str
    crossed: bool


def _n_of(kpi: Kpi, report: KpiReport) -> int | None:
    return kpi.count(report) if kpi.count else None


def _good(value: float, target: float, lower_is_better: bool) -> bool:
    return value <= target if lower_is_better else value >= target


def _catalogue_moves(ctx: ReviewContext, now: KpiReport, before: KpiReport) -> list[Move]:
    tr, options = ctx.tr, ctx.options
    targets = options.target_of
    moves = []
    for key in MOVING_KPIS:
        kpi = CATALOGUE[key]
        current, previous = kpi.value(now), kpi.value(before)
        if current is None or previous is None:
            continue
        n_now, n_before = _n_of(kpi, now), _n_of(kpi, before)
        measured = (n_now is None or n_now >= options.change_min_n) and (
            n_before is None or n_before >= options.change_min_n
        )
        if kpi.kind == "count" and kpi.count is None:
            measured = max(current, previous) >= options.change_min_n
        reasons, crossed = [], False
        target = targets.get(key)
        if target is not None and measured:
            was, is_ = (
                _good(previous, target, kpi.lower_is_better),
                _good(current, target, kpi.lower_is_better),
            )
            if was != is_:
                crossed = True
                sign = "≤" if kpi.lower_is_better else "≥"
                shown = f"{sign} {tr.pct(target)}"
                reasons.append(
                    tr("crossed_back", target=shown) if is_ else tr("crossed_out", target=shown)
                )
        if measured:
            if kpi.kind == "share" and abs(current - previous) * 100 > options.change_pp:
                reasons.append(tr("moved_pp", limit=tr.num(options.change_pp)))
            elif (
                kpi.kind != "share"
                and previous
                and (abs(current - previous) / abs(previous) > options.change_ratio)
            ):
                reasons.append(tr("moved_ratio", limit=tr.pct(options.change_ratio, 0)))
        if reasons:
            moves.append(
                Move(
                    kpi.label(tr),
                    kpi.shown(tr, now),
                    kpi.shown(tr, before),
                    kpi.change(tr, now, before) or "—",
                    kpi.n(now, tr) if kpi.n else "—",
                    "; ".join(reasons),
                    crossed,
                )
            )
    return moves


def _severity_moves(ctx: ReviewContext, now: KpiReport, before: KpiReport) -> list[Move]:
    """Each severity's median tta/ttr crossing its SLA target week over week."""
    tr = ctx.tr
    moves = []
    for severity in POLICY_SEVERITIES:
        row_now, row_before = now.severity(severity), before.severity(severity)
        if row_now is None or row_before is None:
            continue
        for metric, kind in (("tta", "ack"), ("ttr", "resolve")):
            target = ctx.targets.get(severity, {}).get(kind)
            stats_now = getattr(row_now, f"{metric}_seconds")
            stats_before = getattr(row_before, f"{metric}_seconds")
            if not target or stats_now.median is None or stats_before.median is None:
                continue
            if min(stats_now.n, stats_before.n) < ctx.options.change_min_n:
                continue
            was, is_ = stats_before.median <= target, stats_now.median <= target
            if was == is_:
                continue
            shown = f"≤ {tr.dur(target)}"
            moves.append(
                Move(
                    f"{tr.severity(severity)} · {tr(f'metric.{metric}')}, {tr('median')}",
                    tr.dur(stats_now.median),
                    tr.dur(stats_before.median),
                    tr.delta_dur(stats_now.median, stats_before.median) or "—",
                    tr("n_measured", n=stats_now.n),
                    tr("crossed_back", target=shown) if is_ else tr("crossed_out", target=shown),
                    True,
                )
            )
    return moves


def kpi_moves(ctx: ReviewContext, now: KpiReport, before: KpiReport) -> tuple[Section, str]:
    tr = ctx.tr
    moves = _catalogue_moves(ctx, now, before) + _severity_moves(ctx, now, before)
    moves.sort(key=lambda m: not m.crossed)  # crossings first, each group in catalogue order
    scope = Paragraph(
        (
            tr(
                "brief_moves_scope",
                pp=tr.num(ctx.options.change_pp),
                ratio=tr.pct(ctx.options.change_ratio, 0),
                n=ctx.options.change_min_n,
            ),
        ),
        "note",
    )
    title = tr("brief_moves")
    lead = tr("lead_moves", n=tr.num(len(moves)))
    if not moves:
        return Section(title, (scope, tr("brief_none_moves"))), lead
    rows = tuple((m.label, m.now, m.before, m.change, m.n, m.why) for m in moves)
    columns = (
        tr("kpi"),
        tr("this_week"),
        tr("week_before"),
        tr("change"),
        tr("n"),
        tr("why_flagged"),
    )
    blocks = ctx.capped("kpi-moves", columns, rows, limit=len(rows))
    return Section(title, (scope, *blocks)), lead


def briefing(
    ctx: ReviewContext, now: KpiReport, before: KpiReport
) -> tuple[tuple[Section, ...], str]:
    """The briefing's sections, and its first line: each section's count, with its scope."""
    parts = (
        severe_incidents(ctx),
        open_breaching(ctx),
        must_fix_overdue(ctx),
        late_postmortems(ctx),
        kpi_moves(ctx, now, before),
    )
    return tuple(section for section, _ in parts), " · ".join(lead for _, lead in parts) + "."
