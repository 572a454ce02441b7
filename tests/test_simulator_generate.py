"""The generated organisation: deterministic, realistic, and every shape the ETL must meet."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from simulator_specs import END
from simulator_truth import DEFAULT_POLICY, attribution, unified_incidents, visible_deploys

from opskpi.simulator import GenerateParams, generate, generate_from
from opskpi.simulator.org import ROOT_CAUSES, Organisation
from opskpi.simulator.postmortems import postmortem_deadline

SEVERITY_OF = {"P1": "sev1", "P2": "sev2", "P3": "sev3", "P4": "sev4", "P5": "sev4"}


@pytest.fixture(scope="module")
def org() -> Organisation:
    return generate(42, END)


def test_same_seed_same_world_other_seed_other_world(org: Organisation) -> None:
    again = generate(42, END)
    assert again.incidents == org.incidents
    assert again.deploys == org.deploys
    assert again.postmortems == org.postmortems
    other = generate(43, END)
    assert [i.source_id for i in other.incidents[:20]] != [i.source_id for i in org.incidents[:20]]


def test_catalog(org: Organisation) -> None:
    assert len(org.services) >= 20 and len(org.teams) >= 5
    assert {"obras-api", "medicoes-worker", "orcamentos-web", "portal-fornecedores"} <= {
        s.name for s in org.services
    }
    for service in org.services:
        assert 1 <= len(service.apps) <= 2
        assert service.team in {t.key for t in org.teams}
        assert f"{service.name}-prod" in service.apps
    runbooks = org.service_runbooks()
    assert 0 < len(runbooks) < len(org.services)
    config = org.services_config()
    assert config["obras-api"]["argocd_apps"] == ["obras-api-prod", "obras-api-canary"]
    assert len({u.key for u in org.users}) == len(org.users)


def test_the_demo_config_names_each_services_team(org: Organisation) -> None:
    # the team filter narrows deploys by [services.X] team (docs/kpis.md): the demo declares
    # it with the name the incident sources give (a PagerDuty team reference's summary)
    config = org.services_config()
    names = {t.key: t.name for t in org.teams}
    assert {name: entry["team"] for name, entry in config.items()} == {
        s.name: names[s.team] for s in org.services
    }
    assert {i.team for i in org.incidents if i.service == "obras-api"} == {
        next(s.team for s in org.services if s.name == "obras-api")
    }


def test_incidents_cover_a_year_in_order(org: Organisation) -> None:
    created = [i.created_at for i in org.incidents]
    assert created == sorted(created)
    assert created[0] - org.start < timedelta(days=2) and org.end - created[-1] < timedelta(days=2)
    assert org.end - org.start >= timedelta(days=365)
    sources = Counter(i.source for i in org.incidents)
    assert 0.1 < sources["opsgenie"] / len(org.incidents) < 0.3
    assert all(i.created_at.microsecond == 0 for i in org.incidents if i.source == "pagerduty")
    assert any(i.created_at.microsecond for i in org.incidents if i.source == "opsgenie")
    assert len({i.key for i in org.incidents}) == len(org.incidents)


def test_severity_expression_maps_back_to_the_true_severity(org: Organisation) -> None:
    no_priority = Counter()
    for inc in org.incidents:
        if inc.priority is None:
            assert inc.source == "pagerduty"
            no_priority[inc.urgency] += 1
            assert {"high": "sev2", "low": "sev3"}[inc.urgency] == inc.severity
        else:
            assert SEVERITY_OF[inc.priority] == inc.severity
    assert no_priority["high"] and no_priority["low"]
    assert any(i.priority == "P5" for i in org.incidents)


def test_timelines_are_consistent(org: Organisation) -> None:
    for inc in org.incidents:
        assert list(inc.acks) == sorted(inc.acks) and len(inc.acks) == len(inc.ack_by)
        assert all(
            inc.created_at < t <= org.end for t in (*inc.acks, *inc.escalations, *inc.unacks)
        )
        if inc.resolved_at is not None:
            assert inc.created_at < inc.resolved_at <= org.end
            assert all(t <= inc.resolved_at for t in (*inc.acks, *inc.escalations))
        for unack, reack in zip(inc.unacks, inc.acks[1:], strict=False):
            assert inc.acks[0] < unack < reack
    assert any(len(i.acks) > 1 for i in org.incidents)  # ack -> unack -> ack again
    assert any(not i.acks and i.resolved_at for i in org.incidents)  # never acknowledged
    assert any(i.escalations and i.acks and i.escalations[-1] > i.acks[0] for i in org.incidents)
    assert any(i.reassigned_at for i in org.incidents)


def test_response_times_are_long_tailed_around_the_policy(org: Organisation) -> None:
    for severity in ("sev1", "sev2", "sev3"):
        rows = [i for i in org.incidents if i.severity == severity and not i.merged_into]
        ttas = [(i.acks[0] - i.created_at).total_seconds() for i in rows if i.acks]
        ttrs = [(i.resolved_at - i.created_at).total_seconds() for i in rows if i.resolved_at]
        ack_ok = sum(t <= DEFAULT_POLICY.ack_target[severity] for t in ttas) / len(ttas)
        res_ok = sum(t <= DEFAULT_POLICY.resolve_target[severity] for t in ttrs) / len(ttrs)
        assert 0.7 < ack_ok < 0.97, severity
        assert 0.65 < res_ok < 0.97, severity
        assert max(ttrs) > 2 * DEFAULT_POLICY.resolve_target[severity]  # a real tail
        assert sum(ttrs) / len(ttrs) > sorted(ttrs)[len(ttrs) // 2]  # mean above median


def test_open_breaching_merged_and_links(org: Organisation) -> None:
    open_ = [i for i in org.incidents if i.resolved_at is None]
    assert any(
        org.end - i.created_at > timedelta(days=2) for i in open_
    )  # breaching sev3 and worse
    assert any(not i.acks for i in open_)
    by_id = {i.source_id: i for i in org.incidents}
    merged = [i for i in org.incidents if i.merged_into]
    assert merged
    for inc in merged:
        parent = by_id[inc.merged_into]
        assert inc.source == parent.source == "pagerduty" and parent.service == inc.service
        assert parent.created_at <= inc.created_at and not parent.merged_into
    assert {i.root_cause for i in org.incidents if i.root_cause} == set(ROOT_CAUSES)
    assert Counter(i.runbook_location for i in org.incidents).keys() == {
        "details",
        "link",
        "description",
        "none",
    }
    assert all(i.runbook_url for i in org.incidents if i.runbook_location != "none")
    og_incidents = [i for i in org.incidents if i.og_incident_id]
    assert og_incidents and all(i.source == "opsgenie" for i in og_incidents)
    assert any(i.reopened for i in og_incidents)


def test_pagerduty_alerts_and_trigger_channels(org: Organisation) -> None:
    pd = [i for i in org.incidents if i.source == "pagerduty"]
    grouped = [i for i in pd if i.alert_count > 1]
    emails = [i for i in pd if i.trigger_channel == "email"]
    assert 0 < len(grouped) < len(pd) / 100 and 0 < len(emails) < len(pd) / 300  # rare
    many = generate(42, END, months=3, alert_grouping_rate=0.1, email_trigger_rate=0.05)
    pd = [i for i in many.incidents if i.source == "pagerduty"]
    grouped = [i for i in pd if i.alert_count > 1]
    late = [i for i in grouped if i.runbook_alert]
    assert 0.05 < len(grouped) / len(pd) < 0.15
    assert 0.02 < sum(i.trigger_channel == "email" for i in pd) / len(pd) < 0.1
    assert {i.runbook_location for i in late} == {"details", "link"}
    assert all(0 < i.runbook_alert < i.alert_count for i in late)
    assert all(i.runbook_alert == 0 for i in pd if i.alert_count == 1)
    for inc in grouped:  # one a minute, every one before the resolution
        times = inc.alert_times()
        assert times[0] == inc.created_at and len(times) == inc.alert_count <= 5
        assert inc.resolved_at is None or times[-1] < inc.resolved_at
    # duplicates merged into another incident keep their one alert
    assert all(i.alert_count == 1 for i in many.incidents if i.merged_into)
    # the alerts draw from a stream of their own: everything else is the same organisation
    assert [(i.source_id, i.runbook_url, i.resolved_at) for i in many.incidents] == [
        (i.source_id, i.runbook_url, i.resolved_at) for i in generate(42, END, months=3).incidents
    ]


def test_explicit_release_links_resolve_and_agree_with_the_window(org: Organisation) -> None:
    every_deploy = sorted(org.deploys, key=lambda d: d.deployed_at)
    apps_of = org.service_apps()
    rows = {r.key: r for r in unified_incidents(org, org.end)}
    linked = [i for i in org.incidents if i.release]
    assert len(linked) > 20
    outside_window = 0
    for inc in linked:
        explicit, window = attribution(rows[inc.key], every_deploy, apps_of, 3600)
        assert explicit is not None and explicit.app in apps_of[inc.service]
        assert window is None or window is explicit
        outside_window += window is None
        assert 7 <= len(inc.release.split("@")[1]) <= 40
    assert outside_window  # explicit-only links exist
    # apps keeping Argo CD's default history hide old deploys from a single sync at the end
    deploys = visible_deploys(org, [org.end])
    assert len(deploys) < len(org.deploys)
    caused = sum(
        1 for r in rows.values() if not r.merged and any(attribution(r, deploys, apps_of, 3600))
    )
    assert 0.04 < caused / len(rows) < 0.2


def test_deploys(org: Organisation) -> None:
    by_app: dict[str, list] = {}
    for d in sorted(org.deploys, key=lambda d: (d.app, d.id)):
        by_app.setdefault(d.app, []).append(d)
    assert 4 < len(org.deploys) / 365 < 15
    rollbacks = resyncs = 0
    apps = {a.name: a for a in org.apps}
    for name, deploys in by_app.items():
        ids = [d.id for d in deploys]
        assert ids == list(range(ids[0], ids[0] + len(ids)))
        for i, (prev, cur) in enumerate(itertools.pairwise(deploys)):
            assert prev.deployed_at < cur.started_at < cur.deployed_at
            earlier = {d.revision for d in deploys[:i]}
            rollbacks += cur.revision != prev.revision and cur.revision in earlier
            resyncs += cur.revision == prev.revision
        assert all(re.fullmatch(r"[0-9a-f]{40}", d.revision) for d in deploys)
        assert all((d.initiated_by is None) == apps[name].automated for d in deploys)
    assert rollbacks > 3 and resyncs > 3
    assert org.failed_syncs
    last = {f.app: f for f in org.failed_syncs}
    ends_failed = [a for a, f in last.items() if f.started_at > by_app[a][-1].deployed_at]
    assert len(ends_failed) >= 2


def test_postmortems_and_actions(org: Organisation) -> None:
    by_key = {i.key: i for i in org.incidents}
    styles = Counter(p.style for p in org.postmortems)
    assert (
        styles["front_matter"] > styles["bare_pt"] > 0
        and styles["bare_en"] + styles["front_matter_en"] >= 2
    )
    on_time = late = 0
    for pm in org.postmortems:
        main = by_key[next(k for k in reversed(pm.incidents) if k in by_key)]
        deadline = postmortem_deadline(main, org.account_timezone)
        assert main.resolved_at is not None and pm.published_at > main.resolved_at
        if deadline is not None:
            on_time += pm.published_at <= deadline
            late += pm.published_at > deadline
        assert pm.root_cause in ROOT_CAUSES
        assert pm.release is None or pm.has_front_matter
    assert on_time > late > 0
    sev12 = [
        i
        for i in org.incidents
        if i.severity in ("sev1", "sev2") and i.resolved_at and not i.merged_into
    ]
    covered = {k for pm in org.postmortems for k in pm.incidents}
    assert sum(i.key in covered for i in sev12) / len(sev12) > 0.7
    assert any(len([k for k in pm.incidents if k in by_key]) == 2 for pm in org.postmortems)
    actions = org.actions()
    assert Counter(a.status for a in actions).keys() == {
        "Aberta",
        "Em curso",
        "Concluída",
        "Cancelada",
    }
    assert any(a.must_fix for a in actions) and any(a.in_csv for a in actions)
    assert sum(1 for a in actions if a.status == "Concluída" and a.completed_on is None) == 1
    done = [a for a in actions if a.completed_on]
    assert any(a.completed_on <= a.due_date for a in done) and any(
        a.completed_on > a.due_date for a in done
    )


def test_dense_burst_option() -> None:
    burst_at = datetime(2026, 2, 20, 2, tzinfo=UTC)
    org = generate(9, END, months=1, incidents_per_day=1, burst_at=burst_at, burst_count=10_200)
    window = [
        i
        for i in org.incidents
        if i.source == "pagerduty" and burst_at <= i.created_at < burst_at + timedelta(days=1)
    ]
    assert len(window) > 10_000


def test_generate_from_params_equals_generate() -> None:
    params = GenerateParams(seed=4, end=END, months=1, incidents_per_day=5)
    assert (
        generate_from(params).incidents == generate(4, END, months=1, incidents_per_day=5).incidents
    )


def test_poisson_volume_tracks_the_rate() -> None:
    org = generate(8, END, months=2, incidents_per_day=40, release_incident_rate=0.0)
    days = (org.end - org.start).days
    assert math.isclose(len(org.incidents) / days, 40, rel_tol=0.1)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        generate(1, datetime(2026, 3, 1))
