"""The simulator server: auth, request accounting, every fault kind, the clock, ``run``."""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from simulator_specs import Client, small_org

from opskpi.simulator import Fault, SimulatorServer, run

pytestmark = pytest.mark.integration


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(small_org()) as sim:
        yield sim


def test_every_api_requires_its_credentials(server: SimulatorServer) -> None:
    for path in ("/pagerduty/incidents", "/opsgenie/v2/alerts", "/argocd/api/v1/applications"):
        assert requests.get(server.url + path, timeout=10).status_code == 401
    wrong_kind = {"Authorization": f"Bearer {server.tokens.pagerduty}"}
    assert (
        requests.get(
            server.pagerduty_url + "/incidents", headers=wrong_kind, timeout=10
        ).status_code
        == 401
    )
    assert Client(server, "pagerduty").get("/incidents").status_code == 200
    assert Client(server, "opsgenie").get("/v2/alerts").status_code == 200
    assert Client(server, "argocd").get("/api/v1/applications").status_code == 200


def test_request_accounting(server: SimulatorServer) -> None:
    pd, og = Client(server, "pagerduty"), Client(server, "opsgenie")
    pd.get("/incidents")
    pd.get("/incidents")
    og.get("/v2/alerts")
    requests.get(server.pagerduty_url + "/teams", timeout=10)  # a 401 still counts
    counts = server.request_counts()
    assert counts["total"] == 4
    assert counts["by_api"] == {"opsgenie": 1, "pagerduty": 3}
    assert counts["by_path"]["/pagerduty/incidents"] == 2
    over_http = requests.get(server.url + "/_sim/requests", timeout=10).json()
    assert over_http == counts  # control endpoints are not counted
    requests.delete(server.url + "/_sim/requests", timeout=10)
    assert server.request_counts()["total"] == 0


def test_rate_limit_faults(server: SimulatorServer) -> None:
    pd, og = Client(server, "pagerduty"), Client(server, "opsgenie")
    server.add_fault(path=r"^/pagerduty/incidents$", kind="rate_limit", count=2, retry_after=3)
    for _ in range(2):
        limited = pd.get("/incidents")
        assert limited.status_code == 429
        assert limited.headers["ratelimit-reset"] == "3"
        assert limited.json() == {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
    assert pd.get("/incidents").status_code == 200
    server.add_fault(Fault(path="/opsgenie/", kind="rate_limit", retry_after=2))
    limited = og.get("/v2/alerts")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    server.add_fault(path="/pagerduty/", kind="rate_limit", headers=False)
    bare = pd.get("/incidents")
    assert bare.status_code == 429 and bare.content == b"" and "ratelimit-reset" not in bare.headers


def test_a_fault_every_nth_request_misbehaves_on_that_many_of_them(
    server: SimulatorServer,
) -> None:
    pd = Client(server, "pagerduty")
    server.add_fault(path="/priorities$", kind="status", status=500, every=3, count=2)
    statuses = [pd.get("/priorities").status_code for _ in range(9)]
    # the 3rd and 6th matching requests; the 9th would be a third: count is 2
    assert statuses == [200, 200, 500, 200, 200, 500, 200, 200, 200]
    assert server.faults.served == {"status": 2}
    server.add_fault(path="/priorities$", kind="rate_limit", every=2, count=100)
    assert server.faults.pending()[0]["every"] == 2  # over /_sim/faults too
    statuses = [pd.get("/priorities").status_code for _ in range(4)]
    assert statuses == [200, 429, 200, 429]
    assert server.faults.served == {"status": 2, "rate_limit": 2}


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_faults(server: SimulatorServer, status: int) -> None:
    pd = Client(server, "pagerduty")
    server.add_fault(path="/incidents", kind="status", status=status)
    response = pd.get("/incidents")
    assert response.status_code == status
    if status == 500:
        assert response.json()["error"]["message"] == "Internal Server Error"
    else:  # what a load balancer answers: not JSON
        assert response.headers["Content-Type"].startswith("text/html")
    assert pd.get("/incidents").status_code == 200


def test_delay_and_drop_faults(server: SimulatorServer) -> None:
    og = Client(server, "opsgenie")
    server.add_fault(path="/v2/alerts", kind="delay", delay=0.2)
    assert og.get("/v2/alerts").status_code == 200
    server.add_fault(path="/v2/alerts", kind="drop")
    with pytest.raises(requests.ConnectionError):
        og.get("/v2/alerts")
    assert og.get("/v2/alerts").status_code == 200
    assert server.request_counts()["by_path"]["/opsgenie/v2/alerts"] == 3


def test_malformed_record_faults(server: SimulatorServer) -> None:
    pd, og, argo = Client(server, "pagerduty"), Client(server, "opsgenie"), Client(server, "argocd")
    server.add_fault(path="/incidents$", kind="malformed", malformed="bad_date", record=1)
    page = pd.json("/incidents", limit=5)["incidents"]
    assert page[1]["created_at"] == "not-a-date" and page[0]["created_at"] != "not-a-date"
    server.add_fault(path="/v2/alerts$", kind="malformed", malformed="missing_id")
    alerts = og.json("/v2/alerts", limit=5)["data"]
    assert "id" not in alerts[0] and all("id" in a for a in alerts[1:])
    server.add_fault(path="/applications$", kind="malformed", malformed="bad_date")
    apps = argo.json("/api/v1/applications")["items"]
    assert apps[0]["status"]["history"][-1]["deployedAt"] == "not-a-date"
    assert pd.json("/incidents", limit=5)["incidents"][1]["created_at"] != "not-a-date"


def test_faults_over_http(server: SimulatorServer) -> None:
    specs = [
        {"path": "/pagerduty/priorities", "kind": "status", "status": 503, "count": 3},
        {"path": "/pagerduty/teams", "kind": "rate_limit"},
    ]
    response = requests.post(server.url + "/_sim/faults", json=specs, timeout=10)
    assert response.status_code == 200 and len(response.json()["faults"]) == 2
    pd = Client(server, "pagerduty")
    assert pd.get("/priorities").status_code == 503
    pending = requests.get(server.url + "/_sim/faults", timeout=10).json()["faults"]
    assert pending[0]["count"] == 2
    requests.delete(server.url + "/_sim/faults", timeout=10)
    assert pd.get("/priorities").status_code == 200 and pd.get("/teams").status_code == 200
    bad = requests.post(
        server.url + "/_sim/faults", json={"path": "x", "kind": "explode"}, timeout=10
    )
    assert bad.status_code == 400


def test_clock_hides_and_reveals_incidents() -> None:
    org = small_org()
    pivot = org.end - timedelta(days=3)
    later = [i for i in org.incidents if i.source == "pagerduty" and i.created_at > pivot]
    pending = next(
        i
        for i in org.incidents
        if i.source == "pagerduty"
        and i.created_at <= pivot
        and i.resolved_at
        and i.resolved_at > pivot
    )
    with SimulatorServer(org, now=pivot) as sim:
        pd = Client(sim, "pagerduty")
        assert pd.get(f"/incidents/{later[0].source_id}").status_code == 404
        before = pd.json(f"/incidents/{pending.source_id}")["incident"]
        assert before["status"] in ("triggered", "acknowledged") and before["resolved_at"] is None
        listed = pd.json("/incidents", since=(pivot - timedelta(days=1)).isoformat(), limit=100)
        assert later[0].source_id not in {i["id"] for i in listed["incidents"]}
        entries = pd.json(f"/incidents/{pending.source_id}/log_entries", limit=100)["log_entries"]
        assert "resolve_log_entry" not in {e["type"] for e in entries}
        sim.advance(timedelta(days=3))
        assert sim.now == org.end
        after = pd.json(f"/incidents/{pending.source_id}")["incident"]
        assert after["status"] == "resolved" and after["resolved_at"] is not None
        assert pd.get(f"/incidents/{later[0].source_id}").status_code == 200
        clock = requests.post(
            sim.url + "/_sim/clock", json={"advance_seconds": -60}, timeout=10
        ).json()
        assert clock["now"] == (org.end - timedelta(seconds=60)).isoformat()


def test_run_prints_urls_and_serves_until_stopped() -> None:
    ready: queue.Queue[SimulatorServer] = queue.Queue()
    out = io.StringIO()
    thread = threading.Thread(
        target=run,
        kwargs={
            "port": 0,
            "seed": 3,
            "months": 1,
            "incidents_per_day": 3.0,
            "out": out,
            "on_ready": ready.put,
        },
        daemon=True,
    )
    thread.start()
    sim = ready.get(timeout=60)
    text = out.getvalue()
    for expected in (
        sim.pagerduty_url,
        sim.opsgenie_url,
        sim.argocd_url,
        "sim-pagerduty-token",
        "sim-opsgenie-key",
        "sim-argocd-token",
    ):
        assert expected in text
    assert Client(sim, "pagerduty").get("/incidents").status_code == 200
    summary = requests.get(sim.url + "/_sim/summary", timeout=10).json()
    assert summary["seed"] == 3 and summary["services"] >= 20
    sim.stop()
    thread.join(timeout=30)
    assert not thread.is_alive()
