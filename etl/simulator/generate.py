"""``generate(seed, end, ...)``: the deterministic synthetic organisation.

Incidents are produced by a streaming iterator (``iter_incidents``) so that
``write_pages`` can write a million of them with bounded memory; ``generate`` simply
collects the stream.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from etl.simulator.catalog import (
    INCIDENT_TITLES,
    RUNBOOK_BASE,
    build_catalog,
    service_weights,
)
from etl.simulator.deploys import DeployIndex, generate_deploys, poisson
from etl.simulator.ids import pd_incident_id, uuid_from
from etl.simulator.org import App, Deploy, FailedSync, Incident, Organisation, Service, Team, User
from etl.simulator.postmortems import PostmortemMaker
from etl.simulator.timeutil import ACCOUNT_TZ_NAME, add_months, epoch_ms, local_midnight, zone

RELEASE_WINDOW = timedelta(minutes=60)
# seconds without ack before the escalation policy reaches the next level (paging policy:
# 5 min for paging severities; low-urgency work waits longer)
ESCALATION_TIMEOUT = {"sev1": 300, "sev2": 300, "sev3": 1800, "sev4": 3600}
ACK_TIMEOUT = 1800  # seconds: PagerDuty acknowledgement_timeout of the services
# per severity: median seconds to ack, sigma; median seconds to resolve, sigma
ACK_PROFILE = {"sev1": (110, 0.9), "sev2": (330, 0.9), "sev3": (900, 1.0), "sev4": (1800, 1.1)}
RESOLVE_PROFILE = {
    "sev1": (1900, 0.8),
    "sev2": (5200, 0.9),
    "sev3": (20000, 1.1),
    "sev4": (150000, 1.2),
}
NEVER_ACK = {"sev1": 0.01, "sev2": 0.03, "sev3": 0.05, "sev4": 0.12}
BASE_SEVERITY = (0.03, 0.12, 0.45, 0.40)
RELEASE_SEVERITY = (0.08, 0.30, 0.42, 0.20)
CAUSE_WEIGHTS = {
    "capacity": 0.3,
    "external_dependency": 0.2,
    "change": 0.2,
    "data": 0.15,
    "process": 0.1,
    "security": 0.05,
}


@dataclass(frozen=True)
class GenerateParams:
    """Everything ``generate`` needs; equal params give an identical organisation."""

    seed: int
    end: datetime
    months: int = 12
    incidents_per_day: float = 12.0
    opsgenie_share: float = 0.2
    deploys_per_day: float = 8.0
    release_incident_rate: float = 0.12  # incidents spawned per deploy
    stale_open_rate: float = 0.004  # incidents nobody ever resolved
    merge_rate: float = 0.015  # PagerDuty duplicates merged into an open incident
    burst_at: datetime | None = None  # start of a dense PagerDuty burst (within 20 h)
    burst_count: int = 0
    postmortems: bool = True
    timezone: str = ACCOUNT_TZ_NAME

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC).replace(microsecond=0)

    @property
    def start_utc(self) -> datetime:
        return add_months(self.end_utc, -self.months)


@dataclass
class Skeleton:
    """The small, fully in-memory part of the world: catalog and deploys."""

    teams: list[Team]
    users: list[User]
    services: list[Service]
    apps: list[App]
    deploys: list[Deploy]
    failed_syncs: list[FailedSync]
    index: DeployIndex = field(repr=False)


def build_skeleton(params: GenerateParams) -> Skeleton:
    start, end = params.start_utc, params.end_utc
    teams, users, services, apps = build_catalog(params.seed, start)
    deploys, failed = generate_deploys(
        params.seed, apps, users, start, end, params.deploys_per_day, params.timezone
    )
    index = DeployIndex(deploys, {s.name: s.apps for s in services})
    return Skeleton(teams, users, services, apps, deploys, failed, index)


def generate(
    seed: int,
    end: datetime,
    months: int = 12,
    incidents_per_day: float = 12.0,
    opsgenie_share: float = 0.2,
    **options: object,
) -> Organisation:
    """The organisation for ``seed`` up to ``end`` (see ``GenerateParams`` for options)."""
    params = GenerateParams(
        seed=seed,
        end=end,
        months=months,
        incidents_per_day=incidents_per_day,
        opsgenie_share=opsgenie_share,
        **options,  # type: ignore[arg-type]
    )
    return generate_from(params)


def generate_from(params: GenerateParams) -> Organisation:
    skeleton = build_skeleton(params)
    maker = PostmortemMaker(
        params.seed, skeleton.users, skeleton.index, params.end_utc, params.timezone
    )
    incidents: list[Incident] = []
    for incident in iter_incidents(params, skeleton):
        incidents.append(incident)
        if params.postmortems:
            maker.feed(incident)
    return Organisation(
        seed=params.seed,
        start=params.start_utc,
        end=params.end_utc,
        teams=skeleton.teams,
        users=skeleton.users,
        services=skeleton.services,
        apps=skeleton.apps,
        deploys=skeleton.deploys,
        failed_syncs=skeleton.failed_syncs,
        incidents=incidents,
        postmortems=maker.postmortems,
        account_timezone=params.timezone,
    )


@dataclass(slots=True)
class _Seed:
    """An incident to be: its creation time and what forced it."""

    created: datetime
    kind: str  # base | release | burst
    deploy: Deploy | None = None
    explicit: bool = False


def _plan_extras(params: GenerateParams, skeleton: Skeleton) -> dict[datetime, list[_Seed]]:
    """Release-caused and burst incidents, bucketed by the local day they fall in."""
    rng = random.Random(f"{params.seed}:extras")
    tz = zone(params.timezone)
    start, end = params.start_utc, params.end_utc
    buckets: dict[datetime, list[_Seed]] = defaultdict(list)

    def bucket(created: datetime) -> datetime:
        return local_midnight(created.astimezone(tz).date(), tz)

    for deploy in skeleton.deploys:
        if rng.random() >= params.release_incident_rate:
            continue
        late = rng.random() < 0.15
        delay = rng.randint(4200, 21600) if late else rng.randint(120, 3300)
        created = deploy.deployed_at + timedelta(seconds=delay)
        if start <= created < end:
            explicit = late or rng.random() < 0.4
            buckets[bucket(created)].append(_Seed(created, "release", deploy, explicit))
    if params.burst_at is not None and params.burst_count > 0:
        burst_start = params.burst_at.astimezone(UTC).replace(microsecond=0)
        for _ in range(params.burst_count):
            created = burst_start + timedelta(seconds=rng.randint(0, 20 * 3600))
            if start <= created < end:
                buckets[bucket(created)].append(_Seed(created, "burst"))
    return buckets


def iter_incidents(params: GenerateParams, skeleton: Skeleton) -> Iterator[Incident]:
    """Every incident from ``start`` to ``end`` in creation order (deterministic)."""
    rng = random.Random(f"{params.seed}:incidents")
    tz = zone(params.timezone)
    start, end = params.start_utc, params.end_utc
    extras = _plan_extras(params, skeleton)
    builder = _IncidentBuilder(params, skeleton, rng)
    weights = service_weights()
    services = [s for s in skeleton.services]
    service_w = [weights.get(s.name, 1.0) for s in services]
    day = start.astimezone(tz).date()
    while True:
        day_start = local_midnight(day, tz)
        if day_start >= end:
            break
        day_end = local_midnight(day + timedelta(days=1), tz)
        factor = 1.15 if day.weekday() < 5 else 0.65
        seeds = list(extras.get(day_start, ()))
        for _ in range(poisson(rng, params.incidents_per_day * factor)):
            if rng.random() < 0.55:
                offset = rng.uniform(8 * 3600, 20 * 3600)
            else:
                offset = rng.uniform(0, (day_end - day_start).total_seconds())
            created = day_start + timedelta(seconds=offset)
            if start <= created < end:
                seeds.append(_Seed(created, "base"))
        seeds.sort(key=lambda s: s.created)
        for seed in seeds:
            if seed.kind == "release" and seed.deploy is not None:
                service = builder.service_of_app[seed.deploy.app]
            elif seed.kind == "burst":
                service = builder.service_by_name["notificacoes-worker"]
            else:
                service = rng.choices(services, service_w)[0]
            yield builder.build(seed, service)
        day = day + timedelta(days=1)


class _IncidentBuilder:
    """Turns a seed into a full ``Incident`` (timings, expression, links)."""

    def __init__(self, params: GenerateParams, skeleton: Skeleton, rng: random.Random) -> None:
        self.params = params
        self.rng = rng
        self.end = params.end_utc
        self.index = skeleton.index
        self.service_by_name = {s.name: s for s in skeleton.services}
        self.service_of_app = {a: s for s in skeleton.services for a in s.apps}
        self.team_users: dict[str, list[str]] = defaultdict(list)
        for user in skeleton.users:
            self.team_users[user.team].append(user.key)
        self.numbers = {"pagerduty": 1000, "opsgenie": 100, "og_incident": 10}
        self.recent_pd: list[Incident] = []  # merge candidates

    # -- helpers ------------------------------------------------------------------------
    def _round(self, t: datetime, source: str) -> datetime:
        if source == "pagerduty":
            return t.replace(microsecond=0)
        return t.replace(microsecond=(t.microsecond // 1000) * 1000)

    def _after(self, base: datetime, seconds: float, source: str) -> datetime:
        return self._round(base + timedelta(seconds=seconds), source)

    def build(self, seed: _Seed, service: Service) -> Incident:
        rng = self.rng
        burst = seed.kind == "burst"
        source = "pagerduty" if burst or rng.random() >= self.params.opsgenie_share else "opsgenie"
        created = self._round(seed.created, source)
        severity = "sev4" if burst else self._severity(seed)
        people = self.team_users[service.team]
        responder = rng.choice(people)
        secondary = rng.choice([p for p in people if p != responder] or people)
        self.numbers[source] += 1
        if source == "pagerduty":
            source_id = pd_incident_id(rng)
        else:
            source_id = f"{uuid_from(rng)}-{epoch_ms(created)}"
        priority, urgency = self._expression(source, severity)
        title_index = rng.randrange(len(INCIDENT_TITLES))
        incident = Incident(
            source=source,
            source_id=source_id,
            number=self.numbers[source],
            service=service.name,
            team=service.team,
            title=INCIDENT_TITLES[title_index].format(svc=service.name),
            created_at=created,
            severity=severity,
            priority=priority,
            urgency=urgency,
            responder=responder,
            secondary=secondary,
        )
        parent = self._merge_parent(created) if source == "pagerduty" and not burst else None
        if parent is not None:
            self._merge(incident, parent)
        else:
            self._timeline(incident, burst)
            self._links(incident, seed, service, title_index)
            if source == "pagerduty" and not burst:
                self.recent_pd.append(incident)
                del self.recent_pd[:-32]
        if source == "opsgenie":
            self._opsgenie_extras(incident)
        return incident

    def _severity(self, seed: _Seed) -> str:
        weights = RELEASE_SEVERITY if seed.kind == "release" else BASE_SEVERITY
        return self.rng.choices(("sev1", "sev2", "sev3", "sev4"), weights)[0]

    def _expression(self, source: str, severity: str) -> tuple[str | None, str]:
        rng = self.rng
        level = int(severity[-1])
        urgency = "high" if level <= 2 or (level == 3 and rng.random() < 0.5) else "low"
        if source == "opsgenie":
            if severity == "sev4" and rng.random() < 0.4:
                return "P5", "low"
            return f"P{level}", urgency
        if severity == "sev2" and rng.random() < 0.3:
            return None, "high"  # no priority: urgency high maps to sev2
        if severity == "sev3" and rng.random() < 0.4:
            return None, "low"  # no priority: urgency low maps to sev3
        return f"P{level}", urgency

    def _merge_parent(self, created: datetime) -> Incident | None:
        """An open PagerDuty incident this new one duplicates (``merge_rate`` of the time)."""
        if self.rng.random() >= self.params.merge_rate:
            return None
        for parent in reversed(self.recent_pd):
            if created - parent.created_at > timedelta(hours=2):
                break
            if parent.resolved_at is None or parent.resolved_at > created + timedelta(minutes=5):
                return parent
        return None

    def _merge(self, incident: Incident, parent: Incident) -> None:
        incident.service, incident.team = parent.service, parent.team
        incident.responder, incident.secondary = parent.responder, parent.secondary
        incident.severity = parent.severity
        incident.priority, incident.urgency = parent.priority, parent.urgency
        incident.title = parent.title
        incident.merged_into = parent.source_id
        incident.resolved_at = self._after(
            incident.created_at, self.rng.randint(30, 280), "pagerduty"
        )
        incident.resolved_by = parent.ack_by[0] if parent.ack_by else parent.responder
        if incident.resolved_at > self.end:
            incident.resolved_at, incident.resolved_by = None, None

    def _timeline(self, incident: Incident, burst: bool) -> None:
        rng, src, created, sev = self.rng, incident.source, incident.created_at, incident.severity
        ack_median, ack_sigma = ACK_PROFILE[sev]
        res_median, res_sigma = RESOLVE_PROFILE[sev]
        never_acked = rng.random() < (0.9 if burst else NEVER_ACK[sev])
        stale = not burst and rng.random() < self.params.stale_open_rate
        if burst:
            total = rng.uniform(60, 1800)
        else:
            total = rng.lognormvariate(math.log(res_median), res_sigma)
        tta = None if never_acked else rng.lognormvariate(math.log(ack_median), ack_sigma)
        if tta is not None and total < tta + 60:
            total = tta + 60 + rng.uniform(0, 600)
        resolved = None if stale else self._after(created, total, src)
        acks: list[datetime] = []
        ack_by: list[str] = []
        unacks: list[datetime] = []
        escalations: list[datetime] = []
        first_ack = self._after(created, tta, src) if tta is not None else None
        horizon = first_ack or resolved or self.end
        timeout = ESCALATION_TIMEOUT[sev]
        level = 1
        while level <= 3 and created + timedelta(seconds=timeout * level) < horizon:
            escalations.append(created + timedelta(seconds=timeout * level))
            level += 1
        if first_ack is not None:
            acks.append(first_ack)
            ack_by.append(incident.secondary if escalations else incident.responder)
            unack = first_ack + timedelta(seconds=ACK_TIMEOUT)
            if (
                resolved is None or resolved > unack + timedelta(minutes=10)
            ) and rng.random() < 0.12:
                unacks.append(unack)
                delay = rng.lognormvariate(math.log(240), 0.8)
                if delay > timeout:
                    escalations.append(unack + timedelta(seconds=timeout))
                reack = self._after(unack, delay, src)
                if resolved is None or reack < resolved:
                    acks.append(reack)
                    ack_by.append(incident.responder)
        resolver = ack_by[-1] if ack_by else None
        if (
            resolved is not None
            and acks
            and rng.random() < 0.05
            and (resolved - acks[0]).total_seconds() > 300
        ):
            span = (resolved - acks[0]).total_seconds()
            incident.reassigned_at = self._after(acks[0], rng.uniform(60, span / 2), src)
            resolver = incident.secondary
        if never_acked and resolved is not None and rng.random() < 0.3:
            resolver = incident.responder
        end = self.end
        if resolved is not None:
            escalations = [e for e in escalations if e < resolved]
        incident.acks = tuple(a for a in acks if a <= end)
        incident.ack_by = tuple(b for a, b in zip(acks, ack_by, strict=True) if a <= end)
        incident.unacks = tuple(u for u in unacks if u <= end)
        incident.escalations = tuple(e for e in escalations if e <= end)
        if incident.reassigned_at is not None and incident.reassigned_at > end:
            incident.reassigned_at = None
        if resolved is not None and resolved <= end:
            incident.resolved_at, incident.resolved_by = resolved, resolver
        if burst:
            incident.resolved_by = None

    def _links(self, incident: Incident, seed: _Seed, service: Service, title_index: int) -> None:
        rng = self.rng
        if incident.source == "pagerduty":
            location = rng.choices(("details", "link", "none"), (0.35, 0.2, 0.45))[0]
        else:
            location = rng.choices(("details", "description", "none"), (0.35, 0.2, 0.45))[0]
        if seed.kind != "burst" and location != "none":
            incident.runbook_location = location
            incident.runbook_url = f"{RUNBOOK_BASE}/{service.name}/alerta-{title_index + 1:02d}.md"
        if seed.kind == "release":
            if rng.random() < 0.6:
                incident.root_cause = "change" if rng.random() < 0.85 else "capacity"
        elif seed.kind == "base" and rng.random() < 0.35:
            incident.root_cause = rng.choices(list(CAUSE_WEIGHTS), list(CAUSE_WEIGHTS.values()))[0]
        if seed.kind == "release" and seed.explicit and seed.deploy is not None:
            link = self._release_link(seed.deploy)
            window = self.index.window_deploy(service.name, incident.created_at, RELEASE_WINDOW)
            target = self.index.explicit_deploy(
                seed.deploy.app, link.split("@")[1], incident.created_at
            )
            if target is not None and (window is None or window is target):
                incident.release = link

    def _release_link(self, deploy: Deploy) -> str:
        cut = self.rng.choice((7, 7, 12, 40))
        return f"{deploy.app}@{deploy.revision[:cut]}"

    def _opsgenie_extras(self, incident: Incident) -> None:
        rng = self.rng
        incident.service_field = rng.choices(("details", "tag", "entity"), (0.6, 0.25, 0.15))[0]
        incident.alert_count = 1 if rng.random() < 0.7 else rng.randint(2, 12)
        sev = incident.severity
        if (
            sev in ("sev1", "sev2") or (sev == "sev3" and rng.random() < 0.2)
        ) and rng.random() < 0.8:
            self.numbers["og_incident"] += 1
            incident.og_incident_id = uuid_from(rng)
            incident.og_incident_number = self.numbers["og_incident"]
            resolved, created = incident.resolved_at, incident.created_at
            if resolved is not None and rng.random() < 0.08:
                floor = incident.acks[0] if incident.acks else created
                first = floor + (resolved - floor) * rng.uniform(0.3, 0.6)
                reopen = first + (resolved - first) * rng.uniform(0.1, 0.4)
                first, reopen = self._round(first, "opsgenie"), self._round(reopen, "opsgenie")
                if floor < first < reopen < resolved:
                    incident.reopened = (first, reopen)
