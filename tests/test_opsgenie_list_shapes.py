"""Opsgenie lists in every shape the official SDKs and specs allow (reference README §2).

``GET /v1/services`` is not in the OAS; the official Go SDK's list result is ``data`` +
``paging`` (``next``, ``first``, ``last``) with no ``totalCount``, and a count has been seen on
it too. The simulator serves both shapes (a count for organisations of odd seeds, none for even
ones) and the connector pages either by ``paging.next`` or a short page, taking a count where one
comes and never requiring it. The other lists the connector reads never carried a count
(alerts and incidents: ``paging.next``; alert logs: ``paging.next`` or a short page; timelines:
``data.nextOffset``; teams: one page), nor does Argo CD's ``ApplicationList``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from simulator_specs import SERVICES_SCHEMA, Client
from test_http_client import Answer, Stub, client_for, stub  # noqa: F401 (a fixture)

from opskpi.config import settings_from_dict
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import DataError
from opskpi.etl.http import RetryPolicy
from opskpi.etl.sources.opsgenie import OffsetListPaginator, OpsgenieConnector
from opskpi.etl.warehouse.connect import open_memory
from opskpi.simulator import Organisation, SimulatorServer, SimulatorTokens, generate
from opskpi.simulator.opsgenie_api import services_total_count

END = datetime(2026, 3, 1, tzinfo=UTC)
KEY = "og-key-5f1d7c3b9a2e4d6f8b0c1a3e5d7f9b2c"
ODD, EVEN = 7, 8  # with a count, without (the Go SDK's shape)


def _org(seed: int) -> Organisation:
    return generate(seed, END, months=1, opsgenie_share=0.5)


@pytest.fixture(scope="module", params=[ODD, EVEN], ids=["with-totalCount", "sdk-shape"])
def server(request: pytest.FixtureRequest) -> Iterator[SimulatorServer]:
    with SimulatorServer(_org(request.param), tokens=SimulatorTokens(opsgenie=KEY)) as sim:
        yield sim


# -- what the simulator serves -------------------------------------------------------------------
def test_the_simulator_serves_both_shapes_across_seeds() -> None:
    assert services_total_count(ODD) and not services_total_count(EVEN)
    assert not services_total_count(42)  # the demo's seed: the SDK's shape


@pytest.mark.integration
def test_services_pages_follow_paging_next(server: SimulatorServer) -> None:
    og = Client(server, "opsgenie")
    services = server.org.services
    with_count = services_total_count(server.org.seed)
    url: str | None = og.get("/v1/services", limit=5).url
    names, pages = [], 0
    while url:
        response = og.session.get(url, timeout=30)
        body = response.json()
        jsonschema.validate(body, SERVICES_SCHEMA)
        assert ("totalCount" in body) == with_count
        if with_count:
            assert body["totalCount"] == len(services)
        assert response.headers["X-Paging-First"] == body["paging"]["first"]
        names += [s["name"] for s in body["data"]]
        pages += 1
        url = body["paging"].get("next")
    assert names == [s.name for s in services]
    assert pages == math.ceil(len(services) / 5)


# -- the connector against both shapes ------------------------------------------------------------
@pytest.mark.integration
@pytest.mark.parametrize("page_size", [3, 11])
def test_the_connector_lands_every_service_in_either_shape(
    server: SimulatorServer, tmp_path: Path, slept: list[float], page_size: int
) -> None:
    (tmp_path / "opsgenie.key").write_text(KEY + "\n")
    settings = settings_from_dict(
        {
            "sources": {
                "opsgenie": {"base_url": server.opsgenie_url, "api_key_file": "opsgenie.key"}
            },
            "sync": {"initial_lookback": "3d"},
        },
        base_dir=tmp_path,
        origin="test",
    )
    con = open_memory()
    try:
        ctx = SyncContext(
            con=con,
            settings=settings,
            source="opsgenie",
            run_id=1,
            full=False,
            started_at=datetime.now(UTC),
            now=lambda: server.now,
        )
        connector = OpsgenieConnector(
            settings, retry=RetryPolicy(sleep=slept.append), page_size=page_size
        )
        connector.sync(ctx)
        landed = {
            row[0]
            for row in con.execute(
                "select object_id from raw_objects where object_type = 'service'"
            ).fetchall()
        }
    finally:
        con.close()
    services = server.org.services
    assert landed == {s.og_id for s in services}
    # 22 services: pages of 3 → 8 requests (the last holds 1); pages of 11 → 2 requests, the
    # second full: the missing next link (or the count) ends it, not a third, empty request
    assert len(services) == 22
    assert connector.stats["GET /v1/services"] == math.ceil(len(services) / page_size)
    assert slept == []


# -- the paginator on shapes the simulator does not serve (a stub HTTP server) -----------------
@pytest.fixture
def http(stub: Stub) -> Stub:  # noqa: F811 - the stub HTTP server of test_http_client.py
    return stub


def _pages(http: Stub, slept: list[float], limit: int) -> tuple[list[Any], list[str]]:
    client = client_for(http, slept)
    pages = list(client.paginate("/v1/services", paginator=OffsetListPaginator(limit)))
    return [item for page in pages for item in page.items], http.paths()


def test_without_paging_nor_count_it_pages_by_offset_until_a_short_page(
    http: Stub, slept: list[float]
) -> None:
    def page(query: dict[str, list[str]]) -> Answer:
        offset = int(query["offset"][0])
        return Answer(200, {"data": list(range(5))[offset : offset + 2]})

    http.on("/api/v1/services", page)
    items, paths = _pages(http, slept, 2)
    assert items == [0, 1, 2, 3, 4]
    assert paths == [
        "/api/v1/services?offset=0&limit=2",
        "/api/v1/services?offset=2&limit=2",
        "/api/v1/services?offset=4&limit=2",  # 1 item < 2: the last
    ]


def test_a_count_ends_paging_on_a_full_last_page(http: Stub, slept: list[float]) -> None:
    def page(query: dict[str, list[str]]) -> Answer:
        offset = int(query["offset"][0])
        return Answer(200, {"totalCount": 4, "data": list(range(4))[offset : offset + 2]})

    http.on("/api/v1/services", page)
    items, paths = _pages(http, slept, 2)
    assert items == [0, 1, 2, 3]
    assert len(paths) == 2  # 4 of 4 arrived: no third request


def test_a_count_that_is_not_an_integer_is_not_required(http: Stub, slept: list[float]) -> None:
    def page(query: dict[str, list[str]]) -> Answer:
        offset = int(query["offset"][0])
        return Answer(200, {"totalCount": "many", "data": list(range(3))[offset : offset + 2]})

    http.on("/api/v1/services", page)
    items, _ = _pages(http, slept, 2)
    assert items == [0, 1, 2]


def test_paging_without_next_is_the_last_page(http: Stub, slept: list[float]) -> None:
    http.on("/api/v1/services", Answer(200, {"data": [1, 2], "paging": {"first": "x"}}))
    items, paths = _pages(http, slept, 2)
    assert items == [1, 2] and len(paths) == 1


def test_a_next_link_back_to_a_seen_page_is_an_error(http: Stub, slept: list[float]) -> None:
    loop = {"data": [1, 2], "paging": {"next": "/api/v1/services?offset=0&limit=2"}}
    http.on("/api/v1/services", Answer(200, loop))
    with pytest.raises(DataError, match="points back"):
        _pages(http, slept, 2)
