"""Independent truth: every KPI of KPI_DEFINITIONS.md §3–8, 10 and 11 computed from the simulator's
organisation dataclasses (never from served JSON, never through the ETL or SQL).

    from simulator_truth import compute_kpis
    truth = compute_kpis(org, date(2026, 1, 1), date(2026, 2, 1), as_of=sim.now)

returns the dict shape of ``opskpi kpis --json``. The data are those visible at
``view_at`` (the simulator clock when the sync ran; default ``as_of``); ``as_of`` is the
instant "open", "breaching", "due" and "overdue" are judged against.

Choices where the definitions leave room (the ETL must make the same ones):
* a severity row is present when the period holds at least one incident of that severity,
  merged ones included; rows are ordered sev1..sev4, unknown, then ``all``;
* ``breaching_open``/``unacked_over_target`` of ``all`` sum sev1–sev3: counts, 0 when none of
  them is open (never null; sev4 and ``unknown`` rows stay null);
* escalations count when strictly before the first acknowledgement;
* an explicit release link counts only if it resolves to a deploy seen in Argo CD history;
  an incident's own link (field/tag) wins over its postmortem's; the attributed deploy is
  the explicit one, else the latest window deploy;
* a postmortem deadline "has passed" when ``deadline < as_of``;
* Opsgenie ``incidents`` mode: escalations are 0 (timelines carry none); a reopened
  incident viewed between its first resolution and the reopening reads as resolved then;
* a PagerDuty incident's root cause and release fields count only when opskpi is told to read
  the custom field the simulator fills in (``pagerduty_fields``: the ``pagerduty_field`` of
  ``[taxonomy]`` / ``[releases]``; ``opskpi demo`` sets both);
* an incident's own runbook counts once the alert carrying it has arrived (``view_at``);
* interruptions: the pages of ``Incident.notifications()`` sent by ``view_at`` (PagerDuty
  incidents, merged ones too, Opsgenie and JSM alerts; an Opsgenie *incident* names no one),
  one per (incident, person), classed by the local time of the person's first page with
  the holidays package's calendar; ``max_per_person`` is 0 when nobody was paged. A person is
  a PagerDuty user, or an Opsgenie/JSM user (one account moved from one to the other: the same
  person in both). An alert in both systems pages through both records; its pages count for
  the record that counts (below), the person's first page of either record;
* alerts per incident: PagerDuty ``alert_counts.all`` as served at ``view_at``, 1 per Opsgenie
  or JSM alert, none for an Opsgenie incident.
* JSM Operations (``"jsm"`` in ``sources``, the simulator's migrated Opsgenie account): an
  Opsgenie alert imported into JSM counts once, as its JSM record when no cutover is given (JSM
  is preferred), as its Opsgenie record with ``jsm_cutover`` (the migration instant: no alert
  of the simulator's falls on the wrong side of it); a JSM alert also sent to Opsgenie counts
  once, as its JSM record; a postmortem naming either record counts for the one that counts.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from opskpi.simulator.jsm import is_import, jsm_records, opsgenie_copies
from opskpi.simulator.org import Deploy, Incident, Organisation, Postmortem
from opskpi.simulator.pagerduty import RELEASE_FIELD, ROOT_CAUSE_FIELD

TAXONOMY = ("change", "capacity", "external_dependency", "data", "security", "process")
SEVERITY_ORDER = ("sev1", "sev2", "sev3", "sev4", "unknown")


@dataclass(frozen=True)
class Policy:
    ack_target: Mapping[str, float | None]  # seconds
    resolve_target: Mapping[str, float | None]
    postmortem_window: Mapping[str, tuple[str, float] | None]  # ("h", 48) | ("bd", 3)
    paging_escalation_timeout: float = 300.0
    release_window: float = 3600.0


DEFAULT_POLICY = Policy(
    ack_target={"sev1": 300, "sev2": 900, "sev3": 3600, "sev4": None},
    resolve_target={"sev1": 3600, "sev2": 14400, "sev3": 86400, "sev4": None},
    postmortem_window={"sev1": ("h", 48), "sev2": ("bd", 3), "sev3": ("bd", 5), "sev4": None},
)


@dataclass
class Unified:
    """One incident as the warehouse should hold it at ``view_at``."""

    key: str
    created: datetime
    ack: datetime | None
    resolved: datetime | None
    severity: str
    service: str
    escalation_count: int
    own_runbook: bool
    field_cause: str | None
    field_release: str | None
    merged: bool
    alert_count: int | None = None
    postmortem: Postmortem | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _first(values: Iterable[datetime], view: datetime) -> datetime | None:
    seen = [v for v in values if v <= view]
    return min(seen) if seen else None


@dataclass(frozen=True)
class PagerDutyFields:
    """The custom fields opskpi is configured to read (``pagerduty_field``; None: unread)."""

    taxonomy: str | None = ROOT_CAUSE_FIELD
    releases: str | None = RELEASE_FIELD


DEMO_FIELDS = PagerDutyFields()  # what `opskpi demo` configures
NO_FIELDS = PagerDutyFields(None, None)  # opskpi's default


def unified_incidents(
    org: Organisation,
    view_at: datetime,
    opsgenie_mode: str = "alerts",
    sources: Sequence[str] = ("pagerduty", "opsgenie"),
    fields: PagerDutyFields = DEMO_FIELDS,
    jsm_cutover: datetime | None = None,
) -> list[Unified]:
    """The unified incidents of KPI_DEFINITIONS §1 as visible at ``view_at``."""
    if jsm_cutover is not None:
        assert jsm_cutover == org.jsm_migrated_at, "the truth knows cutover = migration only"
    # imports exist in JSM from the migration on
    migrated = org.jsm_migrated_at is not None and org.jsm_migrated_at <= view_at
    paired = "jsm" in sources and jsm_cutover is None and migrated
    postmortems: dict[str, Postmortem] = {}
    for pm in org.postmortems:
        if pm.published_at <= view_at:
            for key in pm.incidents:
                postmortems.setdefault(key, pm)
    out: list[Unified] = []
    for inc in org.incidents:
        if inc.created_at > view_at or inc.source not in sources:
            continue
        if inc.source == "opsgenie" and opsgenie_mode == "incidents":
            if inc.og_incident_id is None:
                continue
            row = _og_incident_row(inc, view_at)
        else:
            row = _alert_row(inc, view_at)
        if inc.source == "pagerduty":
            row.field_cause = row.field_cause if fields.taxonomy == ROOT_CAUSE_FIELD else None
            row.field_release = row.field_release if fields.releases == RELEASE_FIELD else None
        row.postmortem = postmortems.get(row.key)
        if paired and inc.source == "opsgenie" and inc.twin_id is not None:
            row.key = f"jsm:{inc.twin_id}"  # imported into JSM: the JSM record counts
        out.append(row)
    return out


def _alert_row(inc: Incident, view: datetime) -> Unified:
    ack = _first(inc.acks, view)
    resolved = inc.resolved_at if inc.resolved_at is not None and inc.resolved_at <= view else None
    escalations = [e for e in inc.escalations if e <= view and (ack is None or e < ack)]
    runbook = inc.runbook_at()
    return Unified(
        key=f"{inc.source}:{inc.source_id}",
        created=inc.created_at,
        ack=ack,
        resolved=resolved,
        severity=inc.severity,
        service=inc.service,
        escalation_count=len(escalations),
        own_runbook=runbook is not None and runbook <= view,
        field_cause=inc.root_cause,
        field_release=inc.release,
        merged=inc.merged_into is not None and resolved is not None,
        alert_count=inc.alerts_at(view) if inc.source == "pagerduty" else 1,
    )


def _og_incident_row(inc: Incident, view: datetime) -> Unified:
    row = _alert_row(inc, view)
    row.key = f"opsgenie:{inc.og_incident_id}"
    row.escalation_count = 0
    row.alert_count = None
    if row.resolved is None and inc.reopened is not None:
        first, reopen = inc.reopened
        if first <= view < reopen:
            row.resolved = first
    return row


# --- statistics ---------------------------------------------------------------------------
def _quantile(values: Sequence[float], q: float) -> float:
    pos = (len(values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def _stats(values: Iterable[float]) -> dict[str, float | None]:
    data = sorted(values)
    if not data:
        return {"mean": None, "median": None, "p90": None, "p95": None, "max": None}
    return {
        "mean": sum(data) / len(data),
        "median": _quantile(data, 0.5),
        "p90": _quantile(data, 0.9),
        "p95": _quantile(data, 0.95),
        "max": float(data[-1]),
    }


def _share(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


# --- business days ------------------------------------------------------------------------
def _deadline(
    resolved: datetime, window: tuple[str, float], tz: ZoneInfo, country: str
) -> datetime:
    unit, amount = window
    if unit == "h":
        return resolved + timedelta(hours=amount)
    day = resolved.astimezone(tz).date()
    off_days = holidays_lib.country_holidays(country, years=range(day.year, day.year + 2))
    counted = 0
    while counted < amount:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in off_days:
            counted += 1
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)


# --- deploys ------------------------------------------------------------------------------
def visible_deploys(org: Organisation, polls: Sequence[datetime]) -> list[Deploy]:
    """History entries seen by syncs at ``polls``, each truncated to the app's history limit."""
    limits = {a.name: (10 if a.history_limit is None else a.history_limit) for a in org.apps}
    by_app: dict[str, list[Deploy]] = {}
    for d in sorted(org.deploys, key=lambda d: (d.app, d.id)):
        by_app.setdefault(d.app, []).append(d)
    seen: dict[tuple[str, int], Deploy] = {}
    for poll in polls:
        for app, deploys in by_app.items():
            done = [d for d in deploys if d.deployed_at <= poll]
            limit = limits.get(app, 10)
            for d in done[len(done) - limit :] if limit > 0 else []:
                seen[(d.app, d.id)] = d
    return sorted(seen.values(), key=lambda d: (d.deployed_at, d.app, d.id))


def rollback_keys(deploys: Sequence[Deploy]) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()
    by_app: dict[str, list[Deploy]] = {}
    for d in sorted(deploys, key=lambda d: (d.app, d.id)):
        by_app.setdefault(d.app, []).append(d)
    for entries in by_app.values():
        for i in range(1, len(entries)):
            earlier = {e.revision for e in entries[: i - 1]}
            if entries[i].revision != entries[i - 1].revision and entries[i].revision in earlier:
                out.add((entries[i].app, entries[i].id))
    return out


class DeployTable:
    """Deploys per application in (deployed_at, id) order, for the attribution rules of §5."""

    def __init__(self, deploys: Iterable[Deploy]) -> None:
        self.by_app: dict[str, list[Deploy]] = {}
        for d in sorted(deploys, key=lambda d: (d.deployed_at, d.id)):
            self.by_app.setdefault(d.app, []).append(d)
        self.times = {app: [d.deployed_at for d in ds] for app, ds in self.by_app.items()}

    def _upto(self, app: str, moment: datetime) -> list[Deploy]:
        return self.by_app.get(app, [])[: bisect.bisect_right(self.times.get(app, []), moment)]

    def explicit(self, link: str | None, created: datetime) -> Deploy | None:
        """``app@rev`` (rev prefix of 7+): the latest such deploy at or before ``created``."""
        if not link or "@" not in link:
            return None
        app, _, rev = link.partition("@")
        rev = rev.strip().lower()
        if len(rev) < 7:
            return None
        for d in reversed(self._upto(app.strip(), created)):
            if d.revision.lower().startswith(rev):
                return d
        return None

    def window(self, apps: Sequence[str], created: datetime, seconds: float) -> Deploy | None:
        """The latest deploy of ``apps`` in [created - window, created], edges included."""
        low = created - timedelta(seconds=seconds)
        best: Deploy | None = None
        for app in apps:
            done = self._upto(app, created)
            last = done[-1] if done else None
            if last is None or last.deployed_at < low:
                continue
            if best is None or (last.deployed_at, last.id) > (best.deployed_at, best.id):
                best = last
        return best


# --- the KPIs -----------------------------------------------------------------------------
def compute_kpis(
    org: Organisation,
    since: date,
    until: date,
    *,
    as_of: datetime | None = None,
    view_at: datetime | None = None,
    policy: Policy = DEFAULT_POLICY,
    timezone: str = "America/Sao_Paulo",
    holidays: str = "BR",
    opsgenie_mode: str = "alerts",
    sources: Sequence[str] = ("pagerduty", "opsgenie"),
    service_apps: Mapping[str, Sequence[str]] | None = None,
    service_runbooks: Mapping[str, str] | None = None,
    argocd_polls: Sequence[datetime] | None = None,
    pagerduty_fields: PagerDutyFields = DEMO_FIELDS,
    oncall_hours: OncallHours | None = None,
    flap_window: float = 300.0,
    jsm_cutover: datetime | None = None,
) -> dict[str, Any]:
    """``opskpi kpis --json`` for incidents created in [since, until) (local dates)."""
    as_of = (as_of or org.end).astimezone(UTC)
    view = (view_at or as_of).astimezone(UTC)
    tz = ZoneInfo(timezone)
    today = as_of.astimezone(tz).date()
    apps_of = service_apps if service_apps is not None else org.service_apps()
    runbooks = service_runbooks if service_runbooks is not None else org.service_runbooks()
    rows = unified_incidents(org, view, opsgenie_mode, sources, pagerduty_fields, jsm_cutover)

    def in_period(moment: datetime) -> bool:
        return since <= moment.astimezone(tz).date() < until

    period = [r for r in rows if in_period(r.created)]
    live = [r for r in period if not r.merged]
    deploys = visible_deploys(org, argocd_polls or [view])
    return {
        "as_of": as_of.isoformat(),
        "timezone": timezone,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "response_times": _response_times(period, policy, as_of),
        "root_causes": _root_causes(live),
        "releases": _releases(rows, live, deploys, apps_of, policy, in_period),
        "runbooks": _runbooks(live, runbooks),
        "rca": _rca(org, live, policy, tz, holidays, as_of, view, today, since, until),
        "paging": _paging(live, policy),
        "oncall": _oncall(
            org, view, tz, holidays, since, until, sources, opsgenie_mode, oncall_hours, jsm_cutover
        ),
        "noise": _noise(live, as_of, flap_window),
    }


def _tta(row: Unified) -> float | None:
    if row.ack is None or row.ack < row.created:
        return None
    return (row.ack - row.created).total_seconds()


def _ttr(row: Unified, as_of: datetime) -> float | None:
    if row.resolved is None or row.resolved < row.created or row.resolved > as_of:
        return None
    return (row.resolved - row.created).total_seconds()


def _response_times(period: list[Unified], policy: Policy, as_of: datetime) -> list[dict[str, Any]]:
    present = [s for s in SEVERITY_ORDER if any(r.severity == s for r in period)]
    out = [
        _severity_row(sev, [r for r in period if r.severity == sev], policy, as_of)
        for sev in present
    ]
    out.append(_severity_row("all", period, policy, as_of))
    return out


def _severity_row(
    name: str, rows: list[Unified], policy: Policy, as_of: datetime
) -> dict[str, Any]:
    live = [r for r in rows if not r.merged]
    ttas = [(r, t) for r in live if (t := _tta(r)) is not None]
    ttrs = [(r, t) for r in live if (t := _ttr(r, as_of)) is not None]
    opened = [r for r in live if r.resolved is None]

    def target(kind: str, severity: str) -> float | None:
        table = policy.ack_target if kind == "ack" else policy.resolve_target
        return table.get(severity)

    def with_targets(pairs: list[tuple[Unified, float]], kind: str) -> list[tuple[float, float]]:
        if name != "all" and target(kind, name) is None:
            return []
        out = []
        for row, value in pairs:
            goal = target(kind, row.severity)
            if goal is not None:
                out.append((value, goal))
        return out

    ack_pairs, res_pairs = with_targets(ttas, "ack"), with_targets(ttrs, "resolve")
    targeted = name == "all" or target("resolve", name) is not None
    row: dict[str, Any] = {
        "severity": name,
        "incidents": len(live),
        "merged": len(rows) - len(live),
        "acknowledged": sum(1 for r in live if r.ack is not None),
        "unacknowledged": sum(1 for r in live if r.ack is None),
        "resolved": sum(1 for r in live if r.resolved is not None),
        "open": len(opened),
        "tta_seconds": _stats(t for _r, t in ttas),
        "ttr_seconds": _stats(t for _r, t in ttrs),
        "ack_sla_compliance": _share(sum(1 for v, g in ack_pairs if v <= g), len(ack_pairs))
        if targeted
        else None,
        "resolve_sla_compliance": _share(sum(1 for v, g in res_pairs if v <= g), len(res_pairs))
        if targeted
        else None,
        "breaching_open": None,
        "unacked_over_target": None,
    }
    if targeted:
        row["breaching_open"] = sum(
            1
            for r in opened
            if (goal := target("resolve", r.severity)) is not None
            and (as_of - r.created).total_seconds() > goal
        )
        row["unacked_over_target"] = sum(
            1
            for r in opened
            if r.ack is None
            and (goal := target("ack", r.severity)) is not None
            and (as_of - r.created).total_seconds() > goal
        )
    return row


def _cause(row: Unified) -> str:
    if row.postmortem is not None and row.postmortem.root_cause in TAXONOMY:
        return row.postmortem.root_cause
    if row.field_cause in TAXONOMY:
        return row.field_cause  # type: ignore[return-value]
    return "unclassified"


def _root_causes(live: list[Unified]) -> list[dict[str, Any]]:
    counts = {key: 0 for key in (*TAXONOMY, "unclassified")}
    for row in live:
        counts[_cause(row)] += 1
    return [
        {"root_cause": key, "incidents": n, "share": _share(n, len(live))}
        for key, n in counts.items()
    ]


def attribution(
    row: Unified,
    deploys: Sequence[Deploy] | DeployTable,
    apps_of: Mapping[str, Sequence[str]],
    window: float,
) -> tuple[Deploy | None, Deploy | None]:
    """(explicit deploy, window deploy) for one unified incident."""
    table = deploys if isinstance(deploys, DeployTable) else DeployTable(deploys)
    link = row.field_release
    if not link and row.postmortem is not None and row.postmortem.has_front_matter:
        link = row.postmortem.release
    explicit = table.explicit(link, row.created)
    in_window = table.window(apps_of.get(row.service, ()), row.created, window)
    return explicit, in_window


def _releases(
    rows: list[Unified],
    live: list[Unified],
    deploys: list[Deploy],
    apps_of: Mapping[str, Sequence[str]],
    policy: Policy,
    in_period: Any,
) -> dict[str, Any]:
    table = DeployTable(deploys)
    explicit = window = caused = 0
    for row in live:
        exp, win = attribution(row, table, apps_of, policy.release_window)
        explicit += exp is not None
        window += win is not None
        caused += exp is not None or win is not None
    attributed: set[tuple[str, int]] = set()
    for row in rows:
        if row.merged:
            continue
        exp, win = attribution(row, table, apps_of, policy.release_window)
        chosen = exp or win
        if chosen is not None:
            attributed.add((chosen.app, chosen.id))
    period_deploys = [d for d in deploys if in_period(d.deployed_at)]
    rollbacks = rollback_keys(deploys)
    with_incident = sum(1 for d in period_deploys if (d.app, d.id) in attributed)
    return {
        "incidents": len(live),
        "release_caused": caused,
        "explicit": explicit,
        "window": window,
        "release_caused_share": _share(caused, len(live)),
        "deploys": len(period_deploys),
        "deploys_with_incident": with_incident,
        "change_failure_rate": _share(with_incident, len(period_deploys)),
        "rollbacks": sum(1 for d in period_deploys if (d.app, d.id) in rollbacks),
    }


def _runbooks(live: list[Unified], runbooks: Mapping[str, str]) -> dict[str, Any]:
    with_runbook = sum(1 for r in live if r.own_runbook or runbooks.get(r.service))
    return {
        "incidents": len(live),
        "with_runbook": with_runbook,
        "without_runbook": len(live) - with_runbook,
        "coverage": _share(with_runbook, len(live)),
    }


def _rca(
    org: Organisation,
    live: list[Unified],
    policy: Policy,
    tz: ZoneInfo,
    country: str,
    as_of: datetime,
    view: datetime,
    today: date,
    since: date,
    until: date,
) -> dict[str, Any]:
    view_day = view.astimezone(tz).date()
    due = on_time = overdue = overdue_must_fix = 0
    for pm in org.postmortems:
        if pm.published_at > view:
            continue
        for action in pm.actions:
            if not since <= action.due_date < until:
                continue
            status, completed = action.status, action.completed_on
            if status == "Concluída" and completed is not None and completed > view_day:
                status, completed = "Em curso", None
            if status == "Cancelada":
                continue
            if status == "Concluída":
                due += 1
                on_time += completed is not None and completed <= action.due_date
            elif action.due_date < today:
                due += 1
                overdue += 1
                overdue_must_fix += action.must_fix
    pm_due = pm_on_time = 0
    for row in live:
        window = policy.postmortem_window.get(row.severity)
        if window is None or row.resolved is None or row.resolved < row.created:
            continue
        deadline = _deadline(row.resolved, window, tz, country)
        published = row.postmortem.published_at if row.postmortem is not None else None
        if deadline < as_of or published is not None:
            pm_due += 1
            pm_on_time += published is not None and published <= deadline
    return {
        "actions_due": due,
        "actions_on_time": on_time,
        "rca_adherence": _share(on_time, due),
        "overdue_actions": overdue,
        "overdue_must_fix": overdue_must_fix,
        "postmortems_due": pm_due,
        "postmortems_on_time": pm_on_time,
        "postmortem_on_time_share": _share(pm_on_time, pm_due),
    }


def _paging(live: list[Unified], policy: Policy) -> dict[str, Any]:
    ttas = [t for r in live if (t := _tta(r)) is not None]
    escalated = sum(1 for r in live if r.escalation_count >= 1)
    within = sum(1 for t in ttas if t <= policy.paging_escalation_timeout)
    return {
        "acknowledged": len(ttas),
        "acked_within_paging_window": _share(within, len(ttas)),
        "escalated": escalated,
        "escalation_rate": _share(escalated, len(live)),
    }


# --- on-call load and noise (§10, §11) --------------------------------------------------------
@dataclass(frozen=True)
class OncallHours:
    """Local hours as (start, end) hours of the day: business on business days, sleep any day
    (wrapping midnight when end < start)."""

    business: tuple[int, int] = (8, 18)
    sleep: tuple[int, int] = (22, 8)


def _in_hours(hour_of_day: float, hours: tuple[int, int]) -> bool:
    start, end = hours
    if end <= start:
        return hour_of_day >= start or hour_of_day < end
    return start <= hour_of_day < end


def interruption_class(local: datetime, business_day: bool, hours: OncallHours) -> str:
    hour = local.hour + local.minute / 60 + local.second / 3600
    if _in_hours(hour, hours.sleep):
        return "sleep_hours"
    if business_day and _in_hours(hour, hours.business):
        return "business_hours"
    return "off_hours"


def paging_records(
    org: Organisation,
    view: datetime,
    sources: Sequence[str] = ("pagerduty", "opsgenie"),
    opsgenie_mode: str = "alerts",
) -> list[tuple[Incident, str | None]]:
    """Every record that pages someone, visible at ``view``, with its twin's key (the same
    alert's record in the other system, None when it has none): PagerDuty incidents, Opsgenie
    alerts (the Opsgenie copies of JSM alerts sent to both during the switch included), JSM
    alerts (those imported from Opsgenie included, from the migration on). An Opsgenie
    *incident*'s timeline names no one paged: in incidents mode Opsgenie pages no one."""
    migrated = org.jsm_migrated_at is not None and org.jsm_migrated_at <= view
    out: list[tuple[Incident, str | None]] = []
    for inc in org.incidents:
        if inc.source not in sources or (inc.source == "opsgenie" and opsgenie_mode != "alerts"):
            continue
        twin = None
        if inc.twin_id is not None:
            twin = f"jsm:{inc.twin_id}" if inc.source == "opsgenie" else f"opsgenie:{inc.twin_id}"
        out.append((inc, twin))
    if "jsm" in sources and migrated:
        out += [(r, f"opsgenie:{r.twin_id}") for r in jsm_records(org) if is_import(r)]
    if "opsgenie" in sources and opsgenie_mode == "alerts":
        out += [(r, f"jsm:{r.twin_id}") for r in opsgenie_copies(org)]
    return [(inc, twin) for inc, twin in out if inc.created_at <= view]


def person_space(source: str) -> str:
    """Whose user a person paged by ``source`` is: Opsgenie's users moved to JSM Operations."""
    return "pagerduty" if source == "pagerduty" else "opsgenie"


def interruptions(
    org: Organisation,
    view: datetime,
    sources: Sequence[str] = ("pagerduty", "opsgenie"),
    opsgenie_mode: str = "alerts",
    jsm_cutover: datetime | None = None,
) -> dict[tuple[str, str, str], datetime]:
    """(incident key, person's space, person) → the person's first page for the incident, by
    ``view``. The incident is the record that counts (``unified_incidents``): a record left out
    pages for its twin when the twin counts, else for nobody."""
    counted = {
        row.key
        for row in unified_incidents(
            org, view, opsgenie_mode, sources, NO_FIELDS, jsm_cutover=jsm_cutover
        )
    }
    firsts: dict[tuple[str, str, str], datetime] = {}
    for record, twin in paging_records(org, view, sources, opsgenie_mode):
        incident = record.key if record.key in counted else twin if twin in counted else None
        if incident is None:
            continue
        for at, who in record.notifications():
            key = (incident, person_space(record.source), who)
            if at <= view and (key not in firsts or at < firsts[key]):
                firsts[key] = at
    return firsts


def _oncall(
    org: Organisation,
    view: datetime,
    tz: ZoneInfo,
    country: str,
    since: date,
    until: date,
    sources: Sequence[str],
    opsgenie_mode: str,
    hours: OncallHours | None,
    jsm_cutover: datetime | None,
) -> dict[str, Any]:
    hours = hours or OncallHours()
    off_days = holidays_lib.country_holidays(country, years=range(since.year - 1, until.year + 1))
    counts = {"business_hours": 0, "off_hours": 0, "sleep_hours": 0}
    per_person: dict[tuple[str, str], int] = {}
    pages = interruptions(org, view, sources, opsgenie_mode, jsm_cutover)
    for (_incident, space, who), at in pages.items():
        local = at.astimezone(tz)
        if not since <= local.date() < until:
            continue
        business_day = local.weekday() < 5 and local.date() not in off_days
        counts[interruption_class(local, business_day, hours)] += 1
        per_person[(space, who)] = per_person.get((space, who), 0) + 1
    total = sum(counts.values())
    return {
        "interruptions": total,
        **counts,
        "people": len(per_person),
        "max_per_person": max(per_person.values(), default=0),
        "sleep_hours_share": _share(counts["sleep_hours"], total),
    }


def _noise(live: list[Unified], as_of: datetime, flap_window: float) -> dict[str, Any]:
    resolved = [r for r in live if r.resolved is not None]
    unacked = [r for r in resolved if r.ack is None]
    flapping = [
        r
        for r in live
        if r.ack is None and (ttr := _ttr(r, as_of)) is not None and ttr <= flap_window
    ]
    counted = [r.alert_count for r in live if r.alert_count is not None]
    return {
        "incidents": len(live),
        "resolved": len(resolved),
        "resolved_unacknowledged": len(unacked),
        "resolved_unacknowledged_share": _share(len(unacked), len(resolved)),
        "flapping": len(flapping),
        "flapping_share": _share(len(flapping), len(live)),
        "alerts_per_incident": sum(counted) / len(counted) if counted else None,
    }
