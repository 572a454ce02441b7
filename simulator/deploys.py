"""Argo CD deploys (sync history) and failed syncs for the simulated year."""

from __future__ import annotations

import bisect
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from opskpi.simulator.ids import revision
from opskpi.simulator.org import App, Deploy, FailedSync, User
from opskpi.simulator.timeutil import local_midnight, zone

FAILED_MESSAGES = (
    "one or more objects failed to apply, reason: admission webhook denied the request",
    "one or more synchronization tasks completed unsuccessfully",
    "ComparisonError: rpc error: code = Unknown desc = helm template failed",
)


def poisson(rng: random.Random, lam: float) -> int:
    """Poisson sample; normal approximation for large means (fast at 1 M incidents)."""
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def generate_deploys(
    seed: int,
    apps: Sequence[App],
    users: Sequence[User],
    start: datetime,
    end: datetime,
    deploys_per_day: float,
    tz_name: str,
) -> tuple[list[Deploy], list[FailedSync]]:
    """Deploys sorted by ``deployed_at``, and failed syncs sorted by ``started_at``."""
    rng = random.Random(f"{seed}:deploys")
    tz = zone(tz_name)
    weights = [0.5 if a.name.endswith("-canary") else 1.0 for a in apps]
    starts: list[tuple[datetime, App]] = []
    day = start.astimezone(tz).date()
    while True:
        day_start = local_midnight(day, tz)
        if day_start >= end:
            break
        factor = (1.25, 1.25, 1.25, 1.2, 0.8, 0.1, 0.1)[day.weekday()]
        for _ in range(poisson(rng, deploys_per_day * factor)):
            app = rng.choices(apps, weights)[0]
            hour = rng.uniform(9.0, 19.5) if day.weekday() < 5 else rng.uniform(10.0, 16.0)
            at = day_start + timedelta(seconds=int(hour * 3600))
            if start <= at < end:
                starts.append((at, app))
        day = day + timedelta(days=1)
    starts.sort(key=lambda item: (item[0], item[1].name))

    team_users: dict[str, list[User]] = defaultdict(list)
    for user in users:
        team_users[user.team].append(user)
    history: dict[str, list[Deploy]] = defaultdict(list)
    next_id = {a.name: rng.randint(1, 40) for a in apps}
    deploys: list[Deploy] = []
    failed: list[FailedSync] = []
    for at, app in starts:
        previous = history[app.name]
        if previous and at <= previous[-1].deployed_at:
            at = previous[-1].deployed_at + timedelta(minutes=rng.randint(2, 20))
            if at >= end:
                continue
        initiator = None if app.automated else rng.choice(team_users[app.project]).key
        if not app.automated and rng.random() < 0.03:
            failed_start = at - timedelta(minutes=rng.randint(10, 50))
            if not previous or failed_start > previous[-1].deployed_at:
                failed.append(
                    FailedSync(
                        app=app.name,
                        revision=revision(rng),
                        started_at=failed_start,
                        finished_at=failed_start + timedelta(seconds=rng.randint(30, 300)),
                        initiated_by=initiator,
                        message=rng.choice(FAILED_MESSAGES),
                    )
                )
        roll = rng.random()
        if (
            not app.automated
            and len(previous) >= 2
            and previous[-2].revision != previous[-1].revision
            and roll < 0.04
        ):
            rev = previous[-2].revision  # rollback to the entry before the current one
        elif previous and roll < 0.06:
            rev = previous[-1].revision  # re-sync of the same revision: not a rollback
        else:
            rev = revision(rng)
        duration = max(15, int(rng.lognormvariate(math.log(60), 0.7)))
        deploy = Deploy(
            app=app.name,
            id=next_id[app.name],
            revision=rev,
            started_at=at,
            deployed_at=at + timedelta(seconds=duration),
            initiated_by=initiator,
        )
        next_id[app.name] += 1
        previous.append(deploy)
        deploys.append(deploy)

    # two manual apps end the period on a failed sync, so the demo shows one
    manual = sorted((a for a in apps if not a.automated), key=lambda a: a.name)
    for app in rng.sample(manual, k=min(2, len(manual))):
        last = history[app.name][-1] if history[app.name] else None
        failed_start = end - timedelta(hours=rng.randint(2, 6))
        if last is None or failed_start > last.deployed_at + timedelta(minutes=30):
            failed.append(
                FailedSync(
                    app=app.name,
                    revision=revision(rng),
                    started_at=failed_start,
                    finished_at=failed_start + timedelta(seconds=rng.randint(30, 300)),
                    initiated_by=rng.choice(team_users[app.project]).key,
                    message=FAILED_MESSAGES[0],
                )
            )
    deploys.sort(key=lambda d: (d.deployed_at, d.app))
    failed.sort(key=lambda f: (f.started_at, f.app))
    return deploys, failed


class DeployIndex:
    """Lookups the incident generator needs: deploys per app and per service, by time."""

    def __init__(self, deploys: Iterable[Deploy], service_apps: dict[str, Sequence[str]]) -> None:
        self.by_app: dict[str, list[Deploy]] = defaultdict(list)
        for d in deploys:
            self.by_app[d.app].append(d)
        self.by_service: dict[str, list[Deploy]] = {}
        self._service_times: dict[str, list[datetime]] = {}
        for service, app_names in service_apps.items():
            merged = sorted(
                (d for a in app_names for d in self.by_app.get(a, [])),
                key=lambda d: (d.deployed_at, d.app, d.id),
            )
            self.by_service[service] = merged
            self._service_times[service] = [d.deployed_at for d in merged]

    def window_deploy(self, service: str, created: datetime, window: timedelta) -> Deploy | None:
        """The latest deploy of the service's apps finished in [created - window, created]."""
        times = self._service_times.get(service, [])
        i = bisect.bisect_right(times, created) - 1
        if i >= 0 and times[i] >= created - window:
            return self.by_service[service][i]
        return None

    def explicit_deploy(self, app: str, rev: str, created: datetime) -> Deploy | None:
        """The latest deploy of ``app`` by ``created`` whose revision starts with ``rev``."""
        found = None
        for d in self.by_app.get(app, []):
            if d.deployed_at > created:
                break
            if d.revision.startswith(rev):
                found = d
        return found
