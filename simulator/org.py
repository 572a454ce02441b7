"""The simulated organisation: plain dataclasses holding the ground truth.

Everything here is what *really* happened up to ``Organisation.end``. The API renderers
show it as of the server's clock (``now``): use the ``*_at(now)`` helpers, never the raw
fields, when rendering. Times are timezone-aware UTC datetimes; PagerDuty and Argo CD
times are whole seconds, Opsgenie times carry milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

# The simulator stands in for the outside SaaS and the organisation's own writing, so it keeps its
# own words on purpose instead of importing opskpi.config.vocabulary: if opskpi's vocabulary
# drifted from what the sources and the postmortem authors write, the end-to-end tests must see
# it, not agree with it by construction.
SEVERITIES: tuple[str, ...] = ("sev1", "sev2", "sev3", "sev4")
ROOT_CAUSES: tuple[str, ...] = (
    "change",
    "capacity",
    "external_dependency",
    "data",
    "security",
    "process",
)
ACTION_STATUSES: tuple[str, ...] = ("Aberta", "Em curso", "Concluída", "Cancelada")
DEFAULT_HISTORY_LIMIT = 10  # Argo CD's default spec.revisionHistoryLimit
# How long after the trigger (or an escalation) each source notifies the person paged.
NOTIFY_DELAY: dict[str, timedelta] = {
    "pagerduty": timedelta(seconds=2),
    "opsgenie": timedelta(seconds=1),
    "jsm": timedelta(seconds=1),  # JSM Operations notifies as Opsgenie did (simulator/jsm.py)
}


@dataclass(slots=True, frozen=True)
class Team:
    key: str  # slug, also the Argo CD project
    name: str
    pd_id: str
    og_id: str
    escalation_policy_id: str


@dataclass(slots=True, frozen=True)
class User:
    key: str  # handle without "@", e.g. "ana.souza"
    name: str
    email: str
    team: str
    pd_id: str
    og_id: str


@dataclass(slots=True, frozen=True)
class Service:
    name: str
    team: str
    pd_id: str
    og_id: str
    apps: tuple[str, ...]
    runbook_url: str | None  # the service-level runbook the demo config declares


@dataclass(slots=True, frozen=True)
class App:
    name: str
    service: str
    project: str
    namespace: str
    repo_url: str
    path: str
    created_at: datetime
    history_limit: int | None = None  # None: not set, Argo CD keeps the default 10
    automated: bool = False

    @property
    def effective_history_limit(self) -> int:
        return DEFAULT_HISTORY_LIMIT if self.history_limit is None else self.history_limit


@dataclass(slots=True)
class Deploy:
    """One successful sync: one ``status.history`` entry."""

    app: str
    id: int
    revision: str
    started_at: datetime
    deployed_at: datetime
    initiated_by: str | None  # user key; None = automated sync

    @property
    def key(self) -> str:
        return f"{self.app}#{self.id}"


@dataclass(slots=True)
class FailedSync:
    """A sync that failed: only ever visible as ``operationState.phase = Failed``."""

    app: str
    revision: str
    started_at: datetime
    finished_at: datetime
    initiated_by: str | None
    message: str


@dataclass(slots=True)
class Incident:
    """One incident as it really happened (PagerDuty incident or Opsgenie alert).

    ``acks`` are all acknowledgements in time order (the first is *the* acknowledgement);
    ``unacks`` the times an acknowledgement was lost (timeout) before a later re-ack;
    ``escalations`` every escalation to a next level, before or after the first ack.
    """

    source: str  # "pagerduty" | "opsgenie" | "jsm"
    source_id: str
    number: int  # PagerDuty incident_number / Opsgenie tinyId
    service: str
    team: str
    title: str
    created_at: datetime
    severity: str  # true severity sev1..sev4
    priority: str | None  # P1..P5; None = PagerDuty incident without priority
    urgency: str  # PagerDuty high/low (Opsgenie: informative only)
    responder: str  # user key of the primary on-call
    secondary: str  # user key reached by escalation
    acks: tuple[datetime, ...] = ()
    ack_by: tuple[str, ...] = ()  # user keys, parallel to acks
    unacks: tuple[datetime, ...] = ()
    escalations: tuple[datetime, ...] = ()
    reassigned_at: datetime | None = None  # a manual reassignment: not an escalation
    resolved_at: datetime | None = None  # None: still open at Organisation.end
    resolved_by: str | None = None  # user key; None = resolved automatically
    runbook_url: str | None = None
    runbook_location: str = "none"  # details | link | description | none
    root_cause: str | None = None  # PagerDuty field root_cause / Opsgenie tag cause:<key>
    release: str | None = None  # explicit link "app@revision" (field release / tag release:)
    merged_into: str | None = None  # source_id of the surviving PagerDuty incident
    alert_count: int = 1  # PagerDuty: alerts grouped, one a minute; Opsgenie: dedup count
    runbook_alert: int = 0  # PagerDuty: which of the incident's alerts carries the runbook
    trigger_channel: str = "events_api_v2"  # PagerDuty: events_api_v2 | email
    service_field: str = "details"  # Opsgenie: details | tag | entity carries the service
    og_incident_id: str | None = None  # also rendered as an Opsgenie *incident*
    og_incident_number: int = 0
    reopened: tuple[datetime, datetime] | None = None  # Opsgenie incident: (resolved, reopened)
    # The Opsgenie → JSM Operations migration (simulator/jsm.py). ``alias`` is set on a record
    # whose alias must not derive from its own id (a copy in the other system). ``twin_*`` name
    # the same alert's record in the other system: an Opsgenie alert imported into JSM (same
    # tinyId and createdAt), or a JSM alert also sent to Opsgenie during the switch (same
    # alias, its own tinyId, created ``twin_delay_ms`` later).
    alias: str | None = None
    twin_id: str | None = None
    twin_number: int = 0
    twin_alias: str | None = None  # the twin's alias when it differs (an import lost it)
    twin_delay_ms: int = 0

    @property
    def key(self) -> str:
        return f"{self.source}:{self.source_id}"

    @property
    def first_ack(self) -> datetime | None:
        return self.acks[0] if self.acks else None

    # --- state as of an instant -------------------------------------------------------
    def visible_at(self, now: datetime) -> bool:
        return self.created_at <= now

    def resolved_at_view(self, now: datetime) -> datetime | None:
        """The resolution time if the incident is resolved at ``now``, else None."""
        if self.resolved_at is not None and self.resolved_at <= now:
            return self.resolved_at
        return None

    def is_merged_at(self, now: datetime) -> bool:
        return self.merged_into is not None and self.resolved_at_view(now) is not None

    def notifications(self) -> tuple[tuple[datetime, str], ...]:
        """Who was paged, when (user keys, time order): the primary just after the trigger, and
        the secondary at each escalation (the escalation policy pages whoever it reaches).
        PagerDuty serves them as notify_log_entry, Opsgenie and JSM Operations as "Sent ...
        notification to" alert log lines; an Opsgenie *incident* names no one."""
        delay = NOTIFY_DELAY[self.source]
        pages = [(self.created_at + delay, self.responder)]
        pages += [(at + delay, self.secondary) for at in self.escalations]
        return tuple(pages)

    def alert_times(self) -> tuple[datetime, ...]:
        """PagerDuty: when each alert grouped into the incident arrived (the first triggers it)."""
        return tuple(self.created_at + timedelta(minutes=k) for k in range(self.alert_count))

    def alerts_at(self, now: datetime) -> int:
        """PagerDuty ``alert_counts.all`` at ``now``."""
        return sum(1 for t in self.alert_times() if t <= now)

    def runbook_at(self) -> datetime | None:
        """When the incident's own runbook link became readable (None: it has none)."""
        if self.runbook_location == "none" or self.runbook_url is None:
            return None
        return self.created_at + timedelta(minutes=self.runbook_alert)

    def acks_at(self, now: datetime) -> tuple[datetime, ...]:
        return tuple(a for a in self.acks if a <= now)

    def escalations_at(self, now: datetime) -> tuple[datetime, ...]:
        return tuple(e for e in self.escalations if e <= now)

    def status_at(self, now: datetime) -> str:
        """PagerDuty vocabulary: triggered | acknowledged | resolved."""
        if self.resolved_at_view(now) is not None:
            return "resolved"
        acks = [a for a in self.acks if a <= now]
        if not acks:
            return "triggered"
        unacks = [u for u in self.unacks if u <= now]
        if unacks and unacks[-1] >= acks[-1]:
            return "triggered"
        return "acknowledged"

    def last_event_at(self, now: datetime) -> datetime:
        """The latest change visible at ``now`` (``updated_at``)."""
        latest = self.created_at
        for seq in (self.acks, self.unacks, self.escalations):
            for t in seq:
                if latest < t <= now:
                    latest = t
        if self.reassigned_at is not None and latest < self.reassigned_at <= now:
            latest = self.reassigned_at
        resolved = self.resolved_at_view(now)
        if resolved is not None and resolved > latest:
            latest = resolved
        return latest


@dataclass(slots=True)
class Action:
    """A corrective action; ``status``/``completed_on`` are the final truth at ``end``."""

    id: str
    postmortem: str
    incident: str  # incident key
    title: str
    owner: str  # "@handle"
    due_date: date
    status: str  # Aberta | Em curso | Concluída | Cancelada
    completed_on: date | None
    must_fix: bool
    in_csv: bool = False  # kept in actions.csv instead of the postmortem's table

    def status_on(self, day: date) -> tuple[str, date | None]:
        """Status and completion date as they read on ``day`` (local date)."""
        if self.status == "Concluída" and self.completed_on is not None and self.completed_on > day:
            return "Em curso", None
        return self.status, self.completed_on


@dataclass(slots=True)
class Postmortem:
    id: str  # INC-YYYYMMDD-N
    incidents: tuple[str, ...]  # incident keys (Opsgenie: alert key and, if any, incident key)
    severity: str
    root_cause: str
    published_at: datetime
    release: str | None  # front matter "release: app@revision" (front-matter files only)
    style: str  # front_matter | bare_pt | bare_en | front_matter_en
    service: str
    title: str
    actions: tuple[Action, ...] = ()

    @property
    def has_front_matter(self) -> bool:
        return self.style.startswith("front_matter")


@dataclass(slots=True)
class Organisation:
    """The whole synthetic world up to ``end`` (see ``generate``)."""

    seed: int
    start: datetime
    end: datetime
    teams: list[Team]
    users: list[User]
    services: list[Service]
    apps: list[App]
    deploys: list[Deploy] = field(default_factory=list)  # sorted by deployed_at
    failed_syncs: list[FailedSync] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)  # sorted by created_at
    postmortems: list[Postmortem] = field(default_factory=list)
    account_timezone: str = "America/Sao_Paulo"
    subdomain: str = "construtora-sim"
    jsm_migrated_at: datetime | None = None  # when the Opsgenie account moved to JSM, if it did

    def service_apps(self) -> dict[str, list[str]]:
        """``[services.<name>].argocd_apps`` as the demo config declares it."""
        return {s.name: list(s.apps) for s in self.services}

    def service_runbooks(self) -> dict[str, str]:
        """``[services.<name>].runbook_url`` for the services that have one."""
        return {s.name: s.runbook_url for s in self.services if s.runbook_url}

    def services_config(self) -> dict[str, dict[str, object]]:
        """The ``[services."<name>"]`` tables for a demo config file: Argo CD apps, the owning
        team (its name, as the incident sources give it) and the runbook where there is one."""
        names = {t.key: t.name for t in self.teams}
        out: dict[str, dict[str, object]] = {}
        for s in self.services:
            entry: dict[str, object] = {"argocd_apps": list(s.apps), "team": names[s.team]}
            if s.runbook_url:
                entry["runbook_url"] = s.runbook_url
            out[s.name] = entry
        return out

    def actions(self) -> list[Action]:
        return [a for pm in self.postmortems for a in pm.actions]
