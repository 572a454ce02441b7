"""``generate(seed, end, ...)``: the deterministic synthetic organisation.

Incidents are produced by a streaming iterator (``iter_incidents``) so that
``write_pages`` can write a million of them with bounded memory; ``generate`` simply
collects the stream.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from opskpi.simulator.catalog import build_catalog, service_weights
from opskpi.simulator.deploys import DeployIndex, generate_deploys, poisson
from opskpi.simulator.incidents import IncidentBuilder, Seed
from opskpi.simulator.jsm import Migration
from opskpi.simulator.org import (
    App,
    Deploy,
    FailedSync,
    Incident,
    Organisation,
    Service,
    Team,
    User,
)
from opskpi.simulator.postmortems import PostmortemMaker
from opskpi.simulator.timeutil import ACCOUNT_TZ_NAME, add_months, local_midnight, zone


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
    # PagerDuty incidents into which 2+ alerts were grouped, and opened by email (no channel
    # details): the only ones whose alerts a sync must read for a runbook. Rare, as in an org
    # that gives each alert its own incident.
    alert_grouping_rate: float = 0.004
    email_trigger_rate: float = 0.001
    # sev3/sev4 incidents that clear themselves within minutes, never acknowledged (alert noise)
    flap_rate: float = 0.06
    burst_at: datetime | None = None  # start of a dense PagerDuty burst (within 20 h)
    burst_count: int = 0
    postmortems: bool = True
    timezone: str = ACCOUNT_TZ_NAME
    # the Opsgenie account moved to JSM Operations at this instant (simulator/jsm.py); None:
    # never, and the organisation is the same as before the migration existed
    jsm_migration_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.end.tzinfo is None:
            raise ValueError("end must be timezone-aware (e.g. datetime(..., tzinfo=UTC))")
        if self.months < 1 or self.incidents_per_day < 0 or not 0 <= self.opsgenie_share <= 1:
            raise ValueError("months >= 1, incidents_per_day >= 0, 0 <= opsgenie_share <= 1")

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
    *,
    deploys_per_day: float = 8.0,
    release_incident_rate: float = 0.12,
    stale_open_rate: float = 0.004,
    merge_rate: float = 0.015,
    alert_grouping_rate: float = 0.004,
    email_trigger_rate: float = 0.001,
    flap_rate: float = 0.06,
    burst_at: datetime | None = None,
    burst_count: int = 0,
    postmortems: bool = True,
    timezone: str = ACCOUNT_TZ_NAME,
    jsm_migration_at: datetime | None = None,
) -> Organisation:
    """The organisation for ``seed`` from ``end - months`` to ``end`` (see ``GenerateParams``).

    ``burst_at``/``burst_count`` add a dense PagerDuty burst (all within 20 h of
    ``burst_at``) so connectors must split windows past the 10,000 offset cap.
    ``jsm_migration_at`` moves the Opsgenie account to JSM Operations then (``simulator.jsm``).
    """
    params = GenerateParams(
        seed=seed,
        end=end,
        months=months,
        incidents_per_day=incidents_per_day,
        opsgenie_share=opsgenie_share,
        deploys_per_day=deploys_per_day,
        release_incident_rate=release_incident_rate,
        stale_open_rate=stale_open_rate,
        merge_rate=merge_rate,
        alert_grouping_rate=alert_grouping_rate,
        email_trigger_rate=email_trigger_rate,
        flap_rate=flap_rate,
        burst_at=burst_at,
        burst_count=burst_count,
        postmortems=postmortems,
        timezone=timezone,
        jsm_migration_at=jsm_migration_at,
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
        jsm_migrated_at=(
            params.jsm_migration_at.astimezone(UTC) if params.jsm_migration_at else None
        ),
    )


def _plan_extras(params: GenerateParams, skeleton: Skeleton) -> dict[datetime, list[Seed]]:
    """Release-caused and burst incidents, bucketed by the local day they fall in."""
    rng = random.Random(f"{params.seed}:extras")
    tz = zone(params.timezone)
    start, end = params.start_utc, params.end_utc
    buckets: dict[datetime, list[Seed]] = defaultdict(list)

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
            buckets[bucket(created)].append(Seed(created, "release", deploy, explicit))
    if params.burst_at is not None and params.burst_count > 0:
        burst_start = params.burst_at.astimezone(UTC).replace(microsecond=0)
        for _ in range(params.burst_count):
            created = burst_start + timedelta(seconds=rng.randint(0, 20 * 3600))
            if start <= created < end:
                buckets[bucket(created)].append(Seed(created, "burst"))
    return buckets


def iter_incidents(params: GenerateParams, skeleton: Skeleton) -> Iterator[Incident]:
    """Every incident from ``start`` to ``end`` in creation order (deterministic)."""
    rng = random.Random(f"{params.seed}:incidents")
    tz = zone(params.timezone)
    start, end = params.start_utc, params.end_utc
    extras = _plan_extras(params, skeleton)
    builder = IncidentBuilder(params, skeleton, rng)
    migration = (
        Migration(params.seed, params.jsm_migration_at.astimezone(UTC))
        if params.jsm_migration_at is not None
        else None
    )
    weights = service_weights()
    services = [s for s in skeleton.services]
    service_cw = list(itertools.accumulate(weights.get(s.name, 1.0) for s in services))
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
                seeds.append(Seed(created, "base"))
        seeds.sort(key=lambda s: s.created)
        for seed in seeds:
            if seed.kind == "release" and seed.deploy is not None:
                service = builder.service_of_app[seed.deploy.app]
            elif seed.kind == "burst":
                service = builder.service_by_name["notificacoes-worker"]
            else:
                service = rng.choices(services, cum_weights=service_cw)[0]
            incident = builder.build(seed, service)
            if migration is not None:
                migration.apply(incident)
            yield incident
        day = day + timedelta(days=1)
