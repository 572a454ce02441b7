"""One incident from a seed: long-tailed timings around the policy, expression, links."""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from opskpi.simulator.catalog import INCIDENT_TITLES, RUNBOOK_BASE
from opskpi.simulator.ids import pd_incident_id, uuid_from
from opskpi.simulator.org import Deploy, Incident, Service
from opskpi.simulator.timeutil import epoch_ms

if TYPE_CHECKING:
    from opskpi.simulator.generate import GenerateParams, Skeleton

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
LATE_RUNBOOK_SHARE = 0.5  # of the grouped incidents with a runbook: only a later alert has it
NEVER_ACK = {"sev1": 0.01, "sev2": 0.03, "sev3": 0.05, "sev4": 0.12}
SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
BASE_SEVERITY = tuple(itertools.accumulate((0.03, 0.12, 0.45, 0.40)))  # cumulative
RELEASE_SEVERITY = tuple(itertools.accumulate((0.08, 0.30, 0.42, 0.20)))
CAUSE_WEIGHTS = {
    "capacity": 0.3,
    "external_dependency": 0.2,
    "change": 0.2,
    "data": 0.15,
    "process": 0.1,
    "security": 0.05,
}
CAUSES = tuple(CAUSE_WEIGHTS)
# Flapping alerts (alert noise): a low-severity alert that clears itself, nobody acknowledging
# it, after a short while (some within the 5 minutes an ops lead calls flapping, some later).
FLAP_SEVERITIES = ("sev3", "sev4")
FLAP_SECONDS = (20, 480)
CAUSE_CUMULATIVE = tuple(itertools.accumulate(CAUSE_WEIGHTS.values()))


@dataclass(slots=True)
class Seed:
    """An incident to be: its creation time and what forced it."""

    created: datetime
    kind: str  # base | release | burst
    deploy: Deploy | None = None
    explicit: bool = False


class IncidentBuilder:
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
        # a stream of its own: the rest of the organisation is the same with or without it
        self.alerts_rng = random.Random(f"{params.seed}:pagerduty-alerts")
        self.flap_rng = random.Random(f"{params.seed}:flapping")
        self.recent_pd: list[Incident] = []  # merge candidates
        self._texts: dict[tuple[str, str, int], str] = {}

    # -- helpers ------------------------------------------------------------------------
    def _text(self, kind: str, service: str, index: int) -> str:
        """Titles and runbook URLs are shared strings (memory at a million incidents)."""
        key = (kind, service, index)
        text = self._texts.get(key)
        if text is None:
            if kind == "title":
                text = INCIDENT_TITLES[index].format(svc=service)
            else:
                text = f"{RUNBOOK_BASE}/{service}/alerta-{index + 1:02d}.md"
            self._texts[key] = text
        return text

    def _round(self, t: datetime, source: str) -> datetime:
        if source == "pagerduty":
            return t.replace(microsecond=0)
        return t.replace(microsecond=(t.microsecond // 1000) * 1000)

    def _after(self, base: datetime, seconds: float, source: str) -> datetime:
        return self._round(base + timedelta(seconds=seconds), source)

    def build(self, seed: Seed, service: Service) -> Incident:
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
            title=self._text("title", service.name, title_index),
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
            if not burst:
                self._maybe_flap(incident)
            self._links(incident, seed, service, title_index)
            if source == "pagerduty" and not burst:
                self._pagerduty_alerts(incident)
                self.recent_pd.append(incident)
                del self.recent_pd[:-32]
        if source == "opsgenie":
            self._opsgenie_extras(incident)
        return incident

    def _severity(self, seed: Seed) -> str:
        weights = RELEASE_SEVERITY if seed.kind == "release" else BASE_SEVERITY
        return self.rng.choices(SEVERITIES, cum_weights=weights)[0]

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

    def _maybe_flap(self, incident: Incident) -> None:
        """``flap_rate`` of the low-severity incidents clear themselves unacknowledged."""
        rng = self.flap_rng
        if incident.severity not in FLAP_SEVERITIES or rng.random() >= self.params.flap_rate:
            return
        resolved = self._after(incident.created_at, rng.uniform(*FLAP_SECONDS), incident.source)
        incident.acks, incident.ack_by, incident.unacks = (), (), ()
        # sev3/sev4 escalate after 30/60 minutes: a flap is over long before
        incident.escalations = ()
        incident.reassigned_at = None
        incident.resolved_at, incident.resolved_by = resolved, None
        if resolved > self.end:
            incident.resolved_at = None

    def _links(self, incident: Incident, seed: Seed, service: Service, title_index: int) -> None:
        rng = self.rng
        if incident.source == "pagerduty":
            location = rng.choices(("details", "link", "none"), cum_weights=(0.35, 0.55, 1.0))[0]
        else:
            location = rng.choices(
                ("details", "description", "none"), cum_weights=(0.35, 0.55, 1.0)
            )[0]
        if seed.kind != "burst" and location != "none":
            incident.runbook_location = location
            incident.runbook_url = self._text("runbook", service.name, title_index)
        if seed.kind == "release":
            if rng.random() < 0.6:
                incident.root_cause = "change" if rng.random() < 0.85 else "capacity"
        elif seed.kind == "base" and rng.random() < 0.35:
            incident.root_cause = rng.choices(CAUSES, cum_weights=CAUSE_CUMULATIVE)[0]
        if seed.kind == "release" and seed.explicit and seed.deploy is not None:
            link = self._release_link(seed.deploy)
            window = self.index.window_deploy(service.name, incident.created_at, RELEASE_WINDOW)
            target = self.index.explicit_deploy(
                seed.deploy.app, link.split("@")[1], incident.created_at
            )
            if target is not None and (window is None or window is target):
                incident.release = link

    def _pagerduty_alerts(self, incident: Incident) -> None:
        """How the incident was opened and how many alerts it grouped (one a minute, all
        before it resolved); sometimes only a later alert carries the runbook."""
        rng = self.alerts_rng
        if rng.random() < self.params.email_trigger_rate:
            incident.trigger_channel = "email"
        if rng.random() >= self.params.alert_grouping_rate:
            return
        count = rng.randint(2, 5)
        if incident.resolved_at is not None:
            span = (incident.resolved_at - incident.created_at).total_seconds()
            count = min(count, 1 + int((span - 1) // 60))
        incident.alert_count = max(1, count)
        if incident.alert_count > 1 and incident.runbook_url and rng.random() < LATE_RUNBOOK_SHARE:
            incident.runbook_alert = rng.randint(1, incident.alert_count - 1)

    def _release_link(self, deploy: Deploy) -> str:
        cut = self.rng.choice((7, 7, 12, 40))
        return f"{deploy.app}@{deploy.revision[:cut]}"

    def _opsgenie_extras(self, incident: Incident) -> None:
        rng = self.rng
        incident.service_field = rng.choices(
            ("details", "tag", "entity"), cum_weights=(0.6, 0.85, 1.0)
        )[0]
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
