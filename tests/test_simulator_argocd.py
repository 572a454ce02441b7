"""The simulated Argo CD API: contract, history truncation, operationState, sessions, clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from simulator_specs import Client, small_org, validate

from opskpi.simulator import SimulatorServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(small_org()) as sim:
        yield sim


@pytest.fixture(scope="module")
def argo(server: SimulatorServer) -> Client:
    return Client(server, "argocd")


def test_application_endpoints_match_the_spec(
    argo: Client, server: SimulatorServer, reference_dir: Path
) -> None:
    apps = argo.json("/api/v1/applications")
    validate(reference_dir, "argocd", "/api/v1/applications", apps)
    assert len(apps["items"]) == len(server.org.apps)
    one = argo.json(f"/api/v1/applications/{apps['items'][0]['metadata']['name']}")
    validate(reference_dir, "argocd", "/api/v1/applications/{name}", one)
    assert one == apps["items"][0]


def test_revision_metadata(argo: Client, server: SimulatorServer, reference_dir: Path) -> None:
    deploy = next(d for d in server.org.deploys if d.initiated_by)
    path = f"/api/v1/applications/{deploy.app}/revisions/{deploy.revision}/metadata"
    body = argo.json(path)
    validate(
        reference_dir, "argocd", "/api/v1/applications/{name}/revisions/{revision}/metadata", body
    )
    assert server.world.users[deploy.initiated_by].email in body["author"]
    assert (
        argo.get(f"/api/v1/applications/{deploy.app}/revisions/{'0' * 40}/metadata").status_code
        == 404
    )


def test_sessions(server: SimulatorServer, reference_dir: Path) -> None:
    url = server.argocd_url + "/api/v1/session"
    login = {"username": server.tokens.argocd_username, "password": server.tokens.argocd_password}
    response = requests.post(url, json=login, timeout=10)
    assert response.status_code == 200
    validate(reference_dir, "argocd", "/api/v1/session", response.json(), method="post")
    token = response.json()["token"]
    info = requests.get(url + "/userinfo", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    validate(reference_dir, "argocd", "/api/v1/session/userinfo", info.json())
    assert info.json()["loggedIn"] is True and info.json()["username"] == login["username"]
    bad = requests.post(url, json={**login, "password": "wrong"}, timeout=10)
    assert bad.status_code == 401 and bad.json()["code"] == 16
    assert requests.get(server.argocd_url + "/api/v1/applications", timeout=10).status_code == 401
    cookie = {"Cookie": f"argocd.token={token}"}
    assert requests.get(server.argocd_url + "/api/v1/applications", headers=cookie, timeout=10).ok


def test_history_ids_revisions_and_limits(argo: Client, server: SimulatorServer) -> None:
    deploys = [d for d in server.org.deploys if d.deployed_at <= server.now]
    for app in argo.json("/api/v1/applications")["items"]:
        name = app["metadata"]["name"]
        history = app["status"]["history"]
        ids = [h["id"] for h in history]
        assert ids == list(range(ids[0], ids[0] + len(ids)))
        assert all(len(h["revision"]) == 40 and int(h["revision"], 16) >= 0 for h in history)
        mine = [d for d in deploys if d.app == name]
        limit = app["spec"].get("revisionHistoryLimit", 10)
        assert len(history) == min(limit, len(mine))
        assert ids[-1] == max(d.id for d in mine)
        initiators = [h["initiatedBy"] for h in history]
        automated = "automated" in app["spec"]["syncPolicy"]
        assert all(i == ({"automated": True} if automated else i) for i in initiators)
        assert all(("username" in i) != automated for i in initiators)
    defaults = [a for a in server.org.apps if a.history_limit is None]
    assert len(defaults) == 2


def test_rollbacks_are_visible_in_history(argo: Client) -> None:
    rollbacks = 0
    for app in argo.json("/api/v1/applications")["items"]:
        history = app["status"]["history"]
        for i in range(1, len(history)):
            earlier = {h["revision"] for h in history[: i - 1]}
            current, previous = history[i]["revision"], history[i - 1]["revision"]
            rollbacks += current != previous and current in earlier
    assert rollbacks > 0


def test_operation_state(argo: Client, server: SimulatorServer) -> None:
    phases = {}
    for app in argo.json("/api/v1/applications")["items"]:
        state = app["status"]["operationState"]
        phases[app["metadata"]["name"]] = state["phase"]
        if state["phase"] == "Succeeded":
            newest = app["status"]["history"][-1]
            assert state["syncResult"]["revision"] == newest["revision"]
            assert state["finishedAt"] == newest["deployedAt"]
        elif state["phase"] == "Failed":
            revision = state["operation"]["sync"]["revision"]
            assert revision not in {h["revision"] for h in app["status"]["history"]}
            assert app["status"]["sync"]["status"] == "OutOfSync"
    assert "Failed" in phases.values() and "Succeeded" in phases.values()


def test_filters(argo: Client, server: SimulatorServer) -> None:
    team = server.org.apps[0].project
    by_project = argo.json("/api/v1/applications", projects=team)["items"]
    assert by_project and {a["spec"]["project"] for a in by_project} == {team}
    service = server.org.apps[0].service
    by_label = argo.json("/api/v1/applications", selector=f"service={service}")["items"]
    assert {a["metadata"]["name"] for a in by_label} == set(server.world.services[service].apps)
    assert argo.get("/api/v1/applications/nope").status_code == 403
    assert argo.get("/api/v1/applications/nope", project="obras").status_code == 404


def test_clock_hides_future_deploys_and_default_limit_drops_old_ones() -> None:
    org = small_org()
    app = next(a for a in org.apps if a.history_limit is None)
    mine = [d for d in org.deploys if d.app == app.name]
    assert len(mine) > 20
    pivot = mine[-12]  # leave 11 deploys in the future
    with SimulatorServer(org, now=pivot.deployed_at) as sim:
        argo = Client(sim, "argocd")
        before = argo.json(f"/api/v1/applications/{app.name}")["status"]["history"]
        assert [h["id"] for h in before][-1] == pivot.id and len(before) == 10
        sim.advance(mine[-1].deployed_at - pivot.deployed_at)
        after = argo.json(f"/api/v1/applications/{app.name}")["status"]["history"]
        assert after[-1]["id"] == mine[-1].id and len(after) == 10
        assert min(h["id"] for h in after) > max(
            h["id"] for h in before
        )  # a gap: 1 deploy never seen
        sim.set_now(pivot.started_at + (pivot.deployed_at - pivot.started_at) / 2)
        running = argo.json(f"/api/v1/applications/{app.name}")["status"]
        assert running["operationState"]["phase"] == "Running"
        assert pivot.id not in {h["id"] for h in running["history"]}
        sim.advance(timedelta(days=-400))
        assert argo.get(f"/api/v1/applications/{app.name}").status_code == 403
