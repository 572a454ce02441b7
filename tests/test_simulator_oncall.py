"""The simulator's paging and noise (docs/kpis.md §10, §11): who it pages and when, served in
the official shapes (PagerDuty NotifyLogEntry, Opsgenie alert log lines), and an organisation
with night, weekend and holiday pages, flapping alerts and grouped alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from simulator_specs import Client, small_org, validate, validate_definition

from opskpi.simulator import SimulatorServer
from opskpi.simulator.org import Incident

pytestmark = pytest.mark.integration
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(small_org()) as sim:
        yield sim


def _visible(server: SimulatorServer, source: str) -> list[Incident]:
    return [i for i in server.org.incidents if i.source == source and i.created_at <= server.now]


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_pagerduty_notify_entries_are_the_pages(
    server: SimulatorServer, reference_dir: Path
) -> None:
    """Each page of ``Incident.notifications()`` is one notify_log_entry naming the user, valid
    as the spec's NotifyLogEntry; escalated incidents page the secondary once per level."""
    pd = Client(server, "pagerduty")
    incidents = _visible(server, "pagerduty")
    escalated = [i for i in incidents if len(i.escalations) >= 2][:3]
    assert escalated
    for inc in [incidents[0], *escalated]:
        body = pd.json(f"/incidents/{inc.source_id}/log_entries", limit=100)
        validate(reference_dir, "pagerduty", "/incidents/{id}/log_entries", body)
        notified = [e for e in body["log_entries"] if e["type"] == "notify_log_entry"]
        for entry in notified:
            validate_definition(reference_dir, "pagerduty", "NotifyLogEntry", entry)
        users = {u.key: u for u in server.org.users}
        expected = [
            (at, users[who].pd_id, users[who].name)
            for at, who in inc.notifications()
            if at <= server.now
        ]
        got = sorted(
            (_parse(e["created_at"]), e["user"]["id"], e["user"]["summary"]) for e in notified
        )
        assert got == expected
        assert len(expected) == 1 + len(inc.escalations)


def test_opsgenie_alert_logs_name_who_was_paged(server: SimulatorServer) -> None:
    og = Client(server, "opsgenie")
    incidents = _visible(server, "opsgenie")
    escalated = next(i for i in incidents if i.escalations)
    emails = {u.key: u.email for u in server.org.users}
    for inc in (incidents[0], escalated):
        body = og.json(f"/v2/alerts/{inc.source_id}/logs", identifierType="id", limit=100)
        lines = sorted(
            (_parse(item["createdAt"]), item["log"])
            for item in body["data"]
            if item["log"].startswith("Sent [Mobile] notification to ")
        )
        expected = [
            (at, f"Sent [Mobile] notification to {emails[who]}")
            for at, who in inc.notifications()
            if at <= server.now
        ]
        assert lines == expected


def test_the_organisation_pages_at_night_on_weekends_and_holidays() -> None:
    """Local time in the account's zone; holidays as the holidays package lists Brazil's."""
    org = small_org()
    days = holidays.country_holidays("BR", years=range(2025, 2027))
    pages = [at.astimezone(SAO_PAULO) for inc in org.incidents for at, _who in inc.notifications()]
    night = [p for p in pages if p.hour >= 22 or p.hour < 8]
    weekend = [p for p in pages if p.weekday() >= 5 and 8 <= p.hour < 22]
    holiday = [p for p in pages if p.date() in days and p.weekday() < 5 and 8 <= p.hour < 18]
    assert len(night) > 0.1 * len(pages)
    assert weekend and holiday


def test_flapping_and_grouped_alerts() -> None:
    """Flapping: sev3/sev4 cleared within minutes, never acknowledged (some within 5 min, some
    later); grouping: PagerDuty incidents of several alerts (small_org groups 6 %)."""
    org = small_org()
    quick = [
        i
        for i in org.incidents
        if not i.acks
        and i.resolved_at is not None
        and i.merged_into is None
        and i.resolved_at - i.created_at <= timedelta(minutes=8)
    ]
    within_five = [i for i in quick if i.resolved_at - i.created_at <= timedelta(minutes=5)]
    assert within_five and len(quick) > len(within_five)
    assert {i.severity for i in within_five} <= {"sev3", "sev4"}
    assert all(not i.escalations and i.resolved_by is None for i in within_five)
    grouped = [i for i in org.incidents if i.source == "pagerduty" and i.alert_count > 1]
    assert len(grouped) > 10
