"""JSM Operations: the organisation's Opsgenie account moved to Jira Service Management
Operations mid-year (``Migration``, applied while incidents are generated), and the shapes of
the Ops API (alerts, alert logs, teams, stakeholder-comms incidents) as of a clock instant.

The story the data tell, written from Atlassian's published spec and migration notes, not from
opskpi's reading of them:

* alerts created before the migration live in Opsgenie; those of the last
  ``IMPORT_WINDOW`` before it, and any still open at it, were also imported into JSM: a new id,
  the same tinyId and createdAt, and the alias kept unless the import lost it (then the JSM
  alias is the new id);
* from the migration on alerts live in JSM; during the first ``DUAL_RUN`` the monitoring still
  sent each alert to Opsgenie too: the same alias, Opsgenie's own tinyId and id, received
  ``DUAL_DELAY_MS`` later;
* imported alerts are served in Opsgenie's spelling (``report.ackTime``/``closeTime`` in
  milliseconds after creation, ``details``, ``lastOccurredAt``, log ``createdAt``/``type``), and
  so is a share of the others: public sources disagree on the spelling, so both are served.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from opskpi.simulator import opsgenie as og
from opskpi.simulator.ids import uuid_from
from opskpi.simulator.org import Incident, Organisation, Team
from opskpi.simulator.timeutil import epoch_ms, iso_millis, local_midnight, zone

if TYPE_CHECKING:
    from opskpi.simulator.world import World

IMPORT_WINDOW = timedelta(days=14)
DUAL_RUN = timedelta(days=7)
DUAL_DELAY_MS = 40
KEEP_ALIAS = 0.75  # of the imported alerts, those whose alias came along
OPSGENIE_SPELLED = 5  # one JSM-native alert in five is served in Opsgenie's spelling
COMMS_UPDATE_EVERY = timedelta(minutes=30)  # the status page promises an update this often
SPEC_SPELLING = "jsm"
OPSGENIE_SPELLING = "opsgenie"


def _digest(*parts: object) -> str:
    return hashlib.md5("|".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def _uuid(*parts: object) -> str:
    h = _digest(*parts)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


# --- generation -------------------------------------------------------------------------------
class Migration:
    """Turns the Opsgenie alerts of a generated stream into the migrated organisation's.

    Fed every incident in creation order (``generate.iter_incidents``); draws from a random
    stream of its own, so the rest of the organisation is the same with or without it.
    """

    def __init__(self, seed: int, at: datetime) -> None:
        self.rng = random.Random(f"{seed}:jsm")
        self.at = at
        self.opsgenie_counter = 0  # Opsgenie's tinyIds go on counting for the dual-run copies

    def apply(self, inc: Incident) -> None:
        if inc.source != "opsgenie":
            return
        if inc.created_at < self.at:
            self.opsgenie_counter = max(self.opsgenie_counter, inc.number)
            open_at_migration = inc.resolved_at is None or inc.resolved_at > self.at
            if inc.created_at >= self.at - IMPORT_WINDOW or open_at_migration:
                inc.twin_id = uuid_from(self.rng)
                inc.twin_number = inc.number
                if self.rng.random() >= KEEP_ALIAS:
                    inc.twin_alias = inc.twin_id
            return
        inc.source = "jsm"
        inc.source_id = uuid_from(self.rng)
        inc.og_incident_id, inc.og_incident_number, inc.reopened = None, 0, None
        if inc.created_at < self.at + DUAL_RUN:
            # Opsgenie went on numbering its own alerts too (heartbeats and the like, never
            # copied): the copy's tinyId is Opsgenie's next one, not JSM's
            self.opsgenie_counter += self.rng.randint(1, 3)
            copy_created = inc.created_at + timedelta(milliseconds=DUAL_DELAY_MS)
            inc.twin_id = f"{uuid_from(self.rng)}-{epoch_ms(copy_created)}"
            inc.twin_number = self.opsgenie_counter
            inc.twin_delay_ms = DUAL_DELAY_MS


def jsm_records(org: Organisation) -> list[Incident]:
    """Every alert JSM holds, oldest first: its own, and the copies imported from Opsgenie."""
    out: list[Incident] = []
    for inc in org.incidents:
        if inc.source == "jsm":
            out.append(inc)
        elif inc.source == "opsgenie" and inc.twin_id is not None:
            out.append(
                replace(
                    inc,
                    source="jsm",
                    source_id=inc.twin_id,
                    alias=inc.twin_alias or og.alias(inc),
                    twin_id=inc.source_id,
                    twin_number=inc.number,
                    twin_alias=None,
                    og_incident_id=None,
                    og_incident_number=0,
                    reopened=None,
                )
            )
    out.sort(key=lambda i: i.created_at)
    return out


def opsgenie_copies(org: Organisation) -> list[Incident]:
    """The Opsgenie copies of JSM alerts sent to both systems during the switch."""
    out: list[Incident] = []
    for inc in org.incidents:
        if inc.source == "jsm" and inc.twin_id is not None:
            out.append(
                replace(
                    inc,
                    source="opsgenie",
                    source_id=inc.twin_id,
                    number=inc.twin_number,
                    alias=og.alias(inc),
                    created_at=inc.created_at + timedelta(milliseconds=inc.twin_delay_ms),
                    twin_id=inc.source_id,
                    twin_number=inc.number,
                )
            )
    return out


def is_import(inc: Incident) -> bool:
    """A JSM record imported from Opsgenie (same tinyId, no delay)."""
    return inc.twin_id is not None and inc.twin_delay_ms == 0 and inc.twin_number == inc.number


def spelling(inc: Incident) -> str:
    if is_import(inc) or int(_digest("spelling", inc.source_id)[:6], 16) % OPSGENIE_SPELLED == 0:
        return OPSGENIE_SPELLING
    return SPEC_SPELLING


def mid_period(start: datetime, end: datetime, timezone: str) -> datetime:
    """Midnight (in ``timezone``) of the day halfway through ``[start, end)``: the demo's
    migration, so that a cutover written as that date is exactly the migration."""
    middle = (start + (end - start) / 2).astimezone(zone(timezone)).date()
    return local_midnight(middle, zone(timezone))


def inserted_at(org: Organisation, inc: Incident) -> datetime:
    """When JSM stored the alert: an import, at the migration."""
    if is_import(inc) and org.jsm_migrated_at is not None:
        return max(inc.created_at, org.jsm_migrated_at)
    return inc.created_at


# --- identities -------------------------------------------------------------------------------
def cloud_id(org: Organisation) -> str:
    return _uuid("cloud", org.seed, org.subdomain)


def team_id(team: Team) -> str:
    return _uuid("platform-team", team.key)


def render_team(team: Team) -> dict[str, Any]:
    return {"teamId": team_id(team), "teamName": team.name}


# --- alerts -----------------------------------------------------------------------------------
def status(inc: Incident, now: datetime) -> str:
    """``open | acked | resolved | snoozed | closed``: an alert is closed when resolved."""
    if inc.resolved_at_view(now) is not None:
        return "closed"
    return "acked" if inc.status_at(now) == "acknowledged" else "open"


def render_alert(world: World, inc: Incident, now: datetime, *, listed: bool) -> dict[str, Any]:
    """An ``AlertResponse``. A listed alert in Opsgenie's spelling lacks ``description`` and
    ``details``, as Opsgenie's own list did; GET /v1/alerts/{id} gives them."""
    team = world.teams[inc.team]
    resolved = inc.resolved_at_view(now)
    acks = inc.acks_at(now)
    state = status(inc, now)
    last = min(inc.created_at + timedelta(minutes=inc.alert_count - 1), resolved or now)
    body: dict[str, Any] = {
        "id": inc.source_id,
        "tinyId": str(inc.number),
        "alias": og.alias(inc),
        "message": inc.title,
        "entity": og.entity(inc),
        "source": "prometheus-alertmanager",
        "status": state,
        "acknowledged": state == "acked" or (resolved is not None and bool(acks)),
        "seen": bool(acks),
        "snoozed": False,
        "priority": inc.priority or "P3",
        "count": inc.alert_count,
        "owner": world.users[inc.ack_by[0]].name if acks else "",
        "responders": [
            {"type": "team", "id": team_id(team)},
            {"type": "user", "id": _uuid("user", inc.responder)},
        ],
        "tags": og.tags(inc),
        "actions": ["Reiniciar pods", "Rollback"],
        "integrationType": "Prometheus",
        "integrationName": "Prometheus Alertmanager",
        "createdAt": iso_millis(inc.created_at),
        "updatedAt": iso_millis(inc.last_event_at(now)),
    }
    occurred = iso_millis(max(last, inc.created_at))
    if spelling(inc) == SPEC_SPELLING:
        body["lastOccuredAt"] = occurred  # sic, as the spec spells it
        body["extraProperties"] = og.details(inc)
        body["description"] = og.description(inc)
        if acks:
            body["ackTime"] = iso_millis(acks[0])
        if resolved is not None:
            body["closeTime"] = iso_millis(resolved)
        return body
    body["lastOccurredAt"] = occurred
    report: dict[str, Any] = {}
    if acks:
        report["ackTime"] = epoch_ms(acks[0]) - epoch_ms(inc.created_at)
        report["acknowledgedBy"] = world.users[inc.ack_by[0]].email
    if resolved is not None:
        report["closeTime"] = epoch_ms(resolved) - epoch_ms(inc.created_at)
    body["report"] = report
    if not listed:
        body["details"] = og.details(inc)
        body["description"] = og.description(inc)
    return body


def log_events(world: World, inc: Incident, now: datetime) -> list[og.LogEvent]:
    """The alert's log lines visible at ``now``, oldest first (the same backend as Opsgenie)."""
    return [e for e in og.alert_log_events(world, inc) if e[0] <= now]


def log_cursor(event: og.LogEvent) -> str:
    ms = epoch_ms(event[0])
    return f"{ms}_{ms * 1_000_000 + event[1]}"


def render_log(inc: Incident, event: og.LogEvent) -> dict[str, Any]:
    at, _index, text, owner = event
    if spelling(inc) == SPEC_SPELLING:
        return {"logTime": iso_millis(at), "logType": "system", "log": text, "owner": owner}
    return {"createdAt": iso_millis(at), "type": "system", "log": text, "owner": owner}


# --- stakeholder communications ---------------------------------------------------------------
def has_comms(inc: Incident) -> bool:
    """Sev1 JSM alerts, and one sev2 in two, got a status-page incident."""
    if inc.source != "jsm" or is_import(inc):
        return False
    return inc.severity == "sev1" or (
        inc.severity == "sev2" and int(_digest("comms", inc.source_id)[:4], 16) % 2 == 0
    )


def comms_id(inc: Incident) -> str:
    return _uuid("comms", inc.source_id)


def comms_updates(inc: Incident) -> list[tuple[datetime, str, str]]:
    """(time, status, old status) of every update the incident's life brings."""
    started = inc.created_at + timedelta(minutes=5)
    out = [(started, "INVESTIGATING", "")]
    if inc.acks:
        identified = max(inc.acks[0], started) + timedelta(minutes=10)
        out.append((identified, "IDENTIFIED", "INVESTIGATING"))
    if inc.resolved_at is not None:
        end = max(inc.resolved_at, out[-1][0] + timedelta(minutes=1))
        out.append((end - timedelta(seconds=30), "MONITORING", out[-1][1]))
        out.append((end, "RESOLVED", "MONITORING"))
    return out


def render_comms(world: World, inc: Incident, now: datetime) -> dict[str, Any]:
    """A ``StakeholderCommsIncidentWithUpdates`` node."""
    updates = [u for u in comms_updates(inc) if u[0] <= now]
    current = updates[-1][1]
    incident: dict[str, Any] = {
        "id": comms_id(inc),
        "name": inc.title,
        "pageId": _uuid("page", world.org.seed),
        "status": current,
        "impact": "CRITICAL" if inc.severity == "sev1" else "MAJOR",
        "createdAt": iso_millis(updates[0][0]),
        "updatedAt": iso_millis(updates[-1][0]),
        "startedAt": iso_millis(updates[0][0]),
        "externalIncidentId": inc.source_id,
        "externalIncidentSource": "JSM",
        "reminderIntervals": [30],
    }
    if current != "RESOLVED":
        incident["updateNeededAt"] = iso_millis(updates[-1][0] + COMMS_UPDATE_EVERY)
    return {
        "incident": incident,
        "incidentUpdates": [
            {
                "incidentId": comms_id(inc),
                "status": state,
                **({"oldStatus": old} if old else {}),
                "body": f"{inc.title}: {state.lower()}",
                "createdAt": iso_millis(at),
                "updatedAt": iso_millis(at),
                "hidden": False,
                "shouldSendNotifications": True,
            }
            for at, state, old in updates
        ],
    }


def comms_started(inc: Incident) -> datetime:
    return comms_updates(inc)[0][0]
