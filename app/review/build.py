"""The weekly operational review (docs/kpis.md §9) as a document, from the same queries as
the app: first the briefing (``app/review/briefing.py``: what needs a decision this week), then
the detail: every KPI of the ISO week with its change from the week before and the trend charts
of the last weeks (``app/review/trends.py``), the KPIs per severity, root causes, top services,
the teams side by side, on-call load per person, the incidents of the week, incidents without a
runbook, overdue and upcoming corrective actions, and late or missing postmortems. A list longer
than ``[report] list_limit`` says "showing N of M" and where the rest is
(``app/review/context.py``).

``weekly_review`` builds the document; ``app/review/document.py`` writes it as Markdown or HTML.
``opskpi report`` and the app's "Revisão semanal" page both call it.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from opskpi.app.catalogue import CATALOGUE, scope_label
from opskpi.app.i18n.translator import Translator
from opskpi.app.review.briefing import briefing
from opskpi.app.review.context import FormattedRows, ReviewContext, ReviewOptions
from opskpi.app.review.document import (
    Block,
    Document,
    Heading,
    Link,
    Section,
    Table,
)
from opskpi.app.review.links import ListLinks
from opskpi.app.review.trends import TREND_WEEKS, trend_charts
from opskpi.config.vocabulary import POOLED
from opskpi.metrics import kpis, lists
from opskpi.metrics.period import Filters, Period, parse_week, week_of
from opskpi.metrics.sources import FAILED, NEVER, SourceStatus
from opskpi.metrics.teams import team_comparison

TOP_SERVICES = 5
ALL_ROWS = 1_000_000  # lists are queried whole: a capped table says how many there are
TOP_PEOPLE = 10
# The rows of the KPI table, in order (app/catalogue.py defines each KPI).
REVIEW_KPIS = (
    "incidents",
    "tta_mean",
    "tta_median",
    "tta_p90",
    "ttr_mean",
    "ttr_median",
    "ttr_p90",
    "ack_sla",
    "resolve_sla",
    "breaching_open",
    "release_caused",
    "change_failure_rate",
    "rollbacks",
    "runbook_coverage",
    "rca_adherence",
    "overdue_actions",
    "overdue_must_fix",
    "postmortems_on_time",
    "paging_window",
    "escalation_rate",
    "interruptions",
    "sleep_hours_share",
    "resolved_unacknowledged_share",
    "flapping_share",
)


def _s(value: Any, default: str = "—") -> str:
    """A text cell: missing values (None, NaN, NA) as ``default``."""
    return (
        default if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    )


def _yes(value: Any) -> bool:
    return value is not None and value is not pd.NA and bool(value)


def _incident_link(row: Mapping[Hashable, Any]) -> Link:
    url = _s(row.get("url"), "")
    return Link(row["incident_key"], url or None)


class _Review:
    """Queries one week and the week before, then lays the document out."""

    def __init__(self, ctx: ReviewContext) -> None:
        self.ctx = ctx
        self.con, self.period, self.filters, self.tr = ctx.con, ctx.period, ctx.filters, ctx.tr
        self.previous = ctx.period.previous()
        self.now = kpis.build_report(ctx.con, ctx.period, ctx.filters, timezone=ctx.timezone)
        self.before = kpis.build_report(ctx.con, self.previous, ctx.filters, timezone=ctx.timezone)
        self.targets = ctx.targets
        self.labels = ctx.labels

    # -- the KPI table -------------------------------------------------------------------------
    def kpi_table(self) -> Table:
        tr = self.tr
        rows = tuple(
            CATALOGUE[key].review_row(tr, self.now, self.before, self.targets)
            for key in REVIEW_KPIS
        )
        columns = (
            tr("kpi"),
            tr("this_week"),
            tr("week_before"),
            tr("change"),
            tr("n"),
            tr("target"),
        )
        return Table(columns, rows)

    def severity_table(self) -> Table:
        tr = self.tr
        rows = []
        for row in self.now.response_times:
            tta, ttr = row.tta_seconds, row.ttr_seconds
            target = self.targets.get(row.severity, {"ack": None, "resolve": None})
            is_pooled = row.severity == POOLED
            rows.append(
                (
                    tr.severity(row.severity),
                    tr.num(row.incidents),
                    tr.dur(tta.mean),
                    tr.dur(tta.median),
                    tr.dur(tta.p90),
                    tr.dur(target["ack"]) if target["ack"] else "—",
                    f"{tr.pct(row.ack_sla_compliance)} (n={row.ack_sla_n})"
                    if target["ack"] or is_pooled
                    else "—",
                    tr.dur(ttr.mean),
                    tr.dur(ttr.median),
                    tr.dur(ttr.p90),
                    tr.dur(target["resolve"]) if target["resolve"] else "—",
                    f"{tr.pct(row.resolve_sla_compliance)} (n={row.resolve_sla_n})"
                    if target["resolve"] or is_pooled
                    else "—",
                    "—" if row.breaching_open is None else tr.num(row.breaching_open),
                )
            )
        columns = (
            tr("severity"),
            tr("incidents"),
            "MTTA",
            tr("median"),
            "p90",
            tr("target"),
            tr("ack_sla"),
            "MTTR",
            tr("median"),
            "p90",
            tr("target"),
            tr("resolve_sla"),
            f"{tr('breaching_open')} {scope_label(tr, 'incidents', 'week')}",
        )
        return Table(columns, tuple(rows))

    def cause_table(self) -> Table:
        tr = self.tr
        before = {cause.root_cause: cause for cause in self.before.root_causes}
        rows = tuple(
            (
                tr.cause(cause.root_cause, self.labels.get(cause.root_cause)),
                tr.num(cause.incidents),
                tr.pct(cause.share),
                tr.num(before[cause.root_cause].incidents),
                tr.pct(before[cause.root_cause].share),
            )
            for cause in self.now.root_causes
        )
        columns = (tr("root_cause"), tr("this_week"), tr("share"), tr("week_before"), tr("share"))
        return Table(columns, rows)

    def team_table(self) -> Table:
        """Teams side by side (metrics/teams.py), the most incidents first."""
        tr = self.tr
        rows = tuple(
            (
                row.team,
                tr.num(row.incidents),
                tr.dur(row.tta_median),
                tr.dur(row.ttr_median),
                tr.pct(row.ack_sla_compliance),
                tr.pct(row.resolve_sla_compliance),
                f"{tr.pct(row.change_failure_rate)} "
                f"({tr.ratio(row.deploys_with_incident, row.deploys)})",
                tr.num(row.interruptions),
                tr.pct(row.sleep_hours_share),
                tr.pct(row.flapping_share),
                tr.num(row.overdue_must_fix),
            )
            for row in team_comparison(self.con, self.period, self.filters)
        )
        columns = (
            tr("team"),
            tr("incidents"),
            tr("mtta_median"),
            tr("mttr_median"),
            tr("ack_sla"),
            tr("resolve_sla"),
            tr("kpi.change_failure_rate"),
            tr("kpi.interruptions"),
            tr("kpi.sleep_hours_share"),
            tr("kpi.flapping_share"),
            tr("kpi.overdue_must_fix"),
        )
        return Table(columns, rows)

    def people(self) -> tuple[str | Table, ...]:
        """On-call load per person (docs/kpis.md §10), the most woken first; capped, saying so."""
        tr = self.tr
        frame = kpis.oncall_people(self.con, self.period, self.filters)
        rows = tuple(
            (
                _s(r["person"]),
                tr.num(r["interruptions"]),
                tr.num(r["business_hours"]),
                tr.num(r["off_hours"]),
                tr.num(r["sleep_hours"]),
                tr.pct(r["sleep_hours_share"]),
            )
            for r in frame.head(TOP_PEOPLE).to_dict("records")
        )
        if not rows:
            return (tr("nothing_listed"),)
        columns = (
            tr("person"),
            tr("interruptions"),
            tr("class.business_hours"),
            tr("class.off_hours"),
            tr("class.sleep_hours"),
            tr("sleep_share"),
        )
        table = Table(columns, rows)
        if len(frame) <= TOP_PEOPLE:
            return (table,)
        return (table, tr("people_capped", shown=TOP_PEOPLE, total=len(frame)))

    # -- lists -----------------------------------------------------------------------------------
    def top_services(self) -> Table:
        tr = self.tr
        frame = kpis.response_times(self.con, self.period, self.filters, dimension="service")
        frame = frame[(frame["severity"] == POOLED) & (frame["incidents"] > 0)]
        frame = frame.sort_values(["incidents", "dimension_value"], ascending=[False, True])
        runbooks = kpis.runbooks(self.con, self.period, self.filters, dimension="service")
        missing = dict(zip(runbooks["dimension_value"], runbooks["without_runbook"], strict=True))
        rows = tuple(
            (
                _s(r["dimension_value"], tr("none")),
                tr.num(r["incidents"]),
                tr.dur(r["ttr_mean"]),
                tr.pct(r["resolve_sla_compliance"]),
                tr.num(missing.get(r["dimension_value"], 0)),
            )
            for r in frame.head(TOP_SERVICES).to_dict("records")
        )
        columns = (tr("service"), tr("incidents"), "MTTR", tr("resolve_sla"), tr("without_runbook"))
        return Table(columns, rows)

    def incidents(self, **options: Any) -> pd.DataFrame:
        frame = lists.incidents(self.con, self.period, self.filters, limit=ALL_ROWS, **options)
        return frame.iloc[::-1]

    def incident_table(self) -> tuple[Block, ...]:
        tr = self.tr
        rows = FormattedRows(
            self.incidents(),
            lambda r: (
                _incident_link(r),
                tr.when(r["created_local"]),
                tr.severity(r["severity"]),
                _s(r["service"]),
                tr.dur(r["tta_seconds"]),
                tr.dur(r["ttr_seconds"]) if not r["is_open"] else tr("open"),
                tr.cause(r["root_cause"], self.labels.get(r["root_cause"])),
                tr("yes") if _s(r["runbook_url"], "") else tr("no"),
                _s(r["release_key"]),
            ),
        )
        columns = (
            tr("incident"),
            tr("created"),
            tr("severity"),
            tr("service"),
            "TTA",
            "TTR",
            tr("root_cause"),
            tr("runbook"),
            tr("release"),
        )
        return _or_empty(self.ctx.capped("incidents", columns, rows, page="incidents"), tr)

    def without_runbook(self) -> tuple[Block, ...]:
        tr = self.tr
        rows = FormattedRows(
            self.incidents(without_runbook=True),
            lambda r: (
                _incident_link(r),
                _s(r["service"]),
                tr.severity(r["severity"]),
                tr.when(r["created_local"]),
            ),
        )
        columns = (tr("incident"), tr("service"), tr("severity"), tr("created"))
        return _or_empty(self.ctx.capped("without-runbook", columns, rows, page="incidents"), tr)

    def action_table(self, frame: pd.DataFrame, name: str) -> tuple[Block, ...]:
        tr = self.tr
        rows = FormattedRows(
            frame,
            lambda r: (
                _s(r["action_id"], r["action_key"]),
                _s(r["title"]),
                _s(r["owner"]),
                tr.day(r["due_date"]),
                tr.word("status", r["status"]),
                tr.num(r["days_overdue"]) if _yes(r["is_overdue"]) else "—",
                tr("yes") if _yes(r["must_fix"]) else tr("no"),
                _s(r["postmortem_id"]),
            ),
        )
        columns = (
            tr("action"),
            tr("description"),
            tr("owner"),
            tr("due"),
            tr("status"),
            tr("days_overdue"),
            tr("must_fix"),
            tr("postmortem"),
        )
        blocks = self.ctx.capped(name, columns, rows, page="actions", page_params={"scope": "all"})
        return _or_empty(blocks, tr)

    def postmortem_table(self) -> tuple[Block, ...]:
        tr = self.tr
        frame = lists.postmortem_status(self.con, self.period, self.filters)
        rows = FormattedRows(
            frame,
            lambda r: (
                _incident_link(r),
                tr.severity(r["severity"]),
                tr.when(r["deadline_local"]),
                tr.word("pm", r["postmortem_status"]),
                tr.dur(r["seconds_past_deadline"]),
            ),
        )
        columns = (
            tr("incident"),
            tr("severity"),
            tr("deadline"),
            tr("status"),
            tr("past_deadline"),
        )
        return _or_empty(self.ctx.capped("postmortems", columns, rows, page="actions"), tr)


def source_lines(sources: Sequence[SourceStatus], tr: Translator, timezone: str) -> list[str]:
    """A line for each source that failed, never synced or is stale (docs/operations.md)."""

    def when(moment: datetime | None) -> str:
        return (
            tr.when(moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)) if moment else "—"
        )

    lines = []
    for source in sources:
        if not source.needs_attention:
            continue
        if source.status == NEVER:
            lines.append(tr("source_never_banner", source=source.source))
        elif source.status == FAILED:
            lines.append(
                tr(
                    "source_failed_banner",
                    source=source.source,
                    failure=when(source.last_failure_at),
                    success=when(source.last_success_at),
                )
            )
        else:
            lines.append(
                tr(
                    "source_stale_banner",
                    source=source.source,
                    success=when(source.last_success_at),
                )
            )
    return lines


def _or_empty(blocks: Table | tuple[Block, ...], tr: Translator) -> tuple[Block, ...]:
    """The blocks, or "nothing to list" when their table has no row."""
    blocks = (blocks,) if isinstance(blocks, Table) else blocks
    tables = [b for b in blocks if isinstance(b, Table)]
    return blocks if any(t.rows for t in tables) else (tr("nothing_listed"),)


def weekly_review(
    con: duckdb.DuckDBPyConnection,
    week: str,
    as_of: datetime,
    tr: Translator,
    filters: Filters | None = None,
    *,
    options: ReviewOptions | None = None,
    links: ListLinks | None = None,
) -> Document:
    """The review of ISO ``week`` (``"2026-W10"``) judged at ``as_of``: the briefing first,
    then the detail. ``options``: the ``[report]`` keys (defaults without); ``links``: where
    the full lists of capped tables are (the app, CSVs beside the report)."""
    parsed = parse_week(week)
    if parsed is None:
        raise ValueError(f"expected an ISO week like 2026-W10, got {week!r}")
    week = week.upper()
    filters = filters or Filters()
    period = Period.iso_week(*parsed, as_of)
    timezone = lists.reporting_timezone(con)
    ctx = ReviewContext(
        con=con,
        week=week,
        period=period,
        filters=filters,
        tr=tr,
        timezone=timezone,
        options=options or ReviewOptions(),
        links=links or ListLinks(),
        targets=lists.policy_targets(con),
        labels=lists.taxonomy_labels(con),
    )
    review = _Review(ctx)
    previous = week_of(period.previous().since)
    meta = [
        tr(
            "meta_period",
            since=tr.day(period.since),
            until=tr.day(period.until - timedelta(1)),
            tz=timezone,
            previous=previous,
        ),
        tr("meta_as_of", as_of=tr.instant(as_of, timezone)),
    ]
    names = {"severities": "severity", "services": "service", "teams": "team", "sources": "source"}
    active = [
        f"{tr('filter.' + names[k])}: {', '.join(v)}" for k, v in filters.params().items() if v
    ]
    if active:
        meta.append(tr("meta_filters", filters="; ".join(active)))
    meta += source_lines(review.now.sources, tr, timezone)
    brief, lead = briefing(ctx, review.now, review.before)
    overdue = lists.actions(con, as_of, filters, only_overdue=True)
    upcoming = lists.actions(
        con,
        as_of,
        filters,
        only_open=True,
        due_since=period.until,
        due_until=period.until + timedelta(days=7),
    )
    upcoming = upcoming[~upcoming["is_overdue"]]
    charts = trend_charts(con, period, filters, tr, ctx.targets, ctx.options.target_of, timezone)
    sections = (
        Section(
            tr("sec_kpis"),
            (
                review.kpi_table(),
                Heading(tr("trends_title", n=TREND_WEEKS)),
                *charts,
            ),
        ),
        Section(tr("sec_severity"), (review.severity_table(),)),
        Section(tr("sec_causes"), (review.cause_table(),)),
        Section(tr("sec_top_services"), _or_empty(review.top_services(), tr)),
        Section(tr("sec_team_review"), _or_empty(review.team_table(), tr)),
        Section(tr("sec_people_review"), review.people()),
        Section(tr("sec_incidents"), review.incident_table()),
        Section(tr("sec_without_runbook"), review.without_runbook()),
        Section(
            f"{tr('sec_overdue_actions')} {scope_label(tr, 'actions', 'now')}",
            (tr("overdue_all_note"), *review.action_table(overdue, "overdue-actions")),
        ),
        Section(tr("sec_upcoming_actions"), review.action_table(upcoming, "upcoming-actions")),
        Section(tr("sec_postmortems"), review.postmortem_table()),
    )
    return Document(
        tr("review_title", week=week),
        tuple(meta),
        sections,
        tr.language,
        briefing_title=tr("briefing_title"),
        briefing_lead=lead,
        briefing=brief,
        attachments=tuple(ctx.attachments),
    )
