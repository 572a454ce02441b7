"""Read-only lookups over an ``Organisation`` plus small per-clock caches for the APIs."""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import TypeVar

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
from opskpi.simulator.timeutil import zone

T = TypeVar("T")


class World:
    """Indexes the organisation once; every API module renders from a ``World``."""

    def __init__(self, org: Organisation, base_url: str = "http://127.0.0.1") -> None:
        self.org = org
        self.base_url = base_url.rstrip("/")
        self.account_tz = zone(org.account_timezone)
        self.users: dict[str, User] = {u.key: u for u in org.users}
        self.teams: dict[str, Team] = {t.key: t for t in org.teams}
        self.services: dict[str, Service] = {s.name: s for s in org.services}
        self.service_by_pd_id: dict[str, Service] = {s.pd_id: s for s in org.services}
        self.apps: dict[str, App] = {a.name: a for a in org.apps}
        self.pd: list[Incident] = [i for i in org.incidents if i.source == "pagerduty"]
        self.pd_created: list[datetime] = [i.created_at for i in self.pd]
        self.pd_by_id: dict[str, Incident] = {i.source_id: i for i in self.pd}
        from opskpi.simulator import jsm  # jsm renders from a World: imported here, not above

        self.og: list[Incident] = [i for i in org.incidents if i.source == "opsgenie"]
        copies = jsm.opsgenie_copies(org)  # JSM alerts also sent to Opsgenie during the switch
        if copies:
            self.og = sorted([*self.og, *copies], key=lambda i: i.created_at)
        self.og_created: list[datetime] = [i.created_at for i in self.og]
        self.og_by_id: dict[str, Incident] = {i.source_id: i for i in self.og}
        self.og_by_tiny: dict[str, Incident] = {str(i.number): i for i in self.og}
        self.og_incidents: list[Incident] = [i for i in self.og if i.og_incident_id]
        self.og_incident_by_id: dict[str, Incident] = {
            i.og_incident_id: i for i in self.og_incidents if i.og_incident_id
        }
        self.og_incident_by_tiny: dict[str, Incident] = {
            str(i.og_incident_number): i for i in self.og_incidents
        }
        self.jsm: list[Incident] = jsm.jsm_records(org)
        self.jsm_by_id: dict[str, Incident] = {i.source_id: i for i in self.jsm}
        self.jsm_comms: list[Incident] = sorted(
            (i for i in self.jsm if jsm.has_comms(i)), key=jsm.comms_started
        )
        self.deploys_by_app: dict[str, list[Deploy]] = {a.name: [] for a in org.apps}
        for d in sorted(org.deploys, key=lambda d: (d.app, d.id)):
            self.deploys_by_app.setdefault(d.app, []).append(d)
        self.failed_by_app: dict[str, list[FailedSync]] = {a.name: [] for a in org.apps}
        for f in org.failed_syncs:
            self.failed_by_app.setdefault(f.app, []).append(f)
        # incidents whose life may span more than a week: scanned apart by /log_entries
        self.pd_long: list[Incident] = [
            i
            for i in self.pd
            if i.resolved_at is None or (i.resolved_at - i.created_at).days >= LONG_DAYS
        ]
        self._cache: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def pd_visible(self, now: datetime) -> int:
        """How many PagerDuty incidents exist at ``now`` (a prefix of ``self.pd``)."""
        return bisect.bisect_right(self.pd_created, now)

    def pd_window(self, since: datetime | None, until: datetime | None, now: datetime) -> range:
        """Positions in ``self.pd`` created in [since, until) and visible at ``now``."""
        hi = self.pd_visible(now)
        lo = 0 if since is None else bisect.bisect_left(self.pd_created, since, 0, hi)
        if until is not None:
            hi = min(hi, bisect.bisect_left(self.pd_created, until, 0, hi))
        return range(lo, max(lo, hi))

    def cached(self, key: Hashable, build: Callable[[], T], size: int = 24) -> T:
        """Memoise list computations per query and clock (paging re-asks the same list)."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]  # type: ignore[return-value]
        value = build()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > size:
                self._cache.popitem(last=False)
        return value


LONG_DAYS = 7
