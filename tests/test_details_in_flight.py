"""The per-object detail requests of every source run several at once and land exactly what one
after the other lands (the same rows, rejects and stream states), even when some of them are
answered 429 or 500 and retried. Against the API simulator (a real HTTP server); retries sleep
through an injected ``sleep``, so nothing waits."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from simulator_specs import GROUPED

from opskpi.config import Settings, settings_from_dict
from opskpi.etl.context import SyncContext
from opskpi.etl.http.policy import RetryPolicy
from opskpi.etl.sources.jsm.connector import JsmConnector
from opskpi.etl.sources.opsgenie import OpsgenieConnector
from opskpi.etl.sources.pagerduty.connector import PagerDutyConnector
from opskpi.etl.warehouse.connect import open_memory
from opskpi.simulator import Organisation, SimulatorServer, SimulatorTokens, generate
from opskpi.simulator import pagerduty as pdsim
from opskpi.simulator.jsm import mid_period

pytestmark = pytest.mark.integration

END = datetime(2026, 3, 1, tzinfo=UTC)
TOKEN = "in-flight-token-7a3c9e1b"
EMAIL = "ops-bot@construtora.example"
RUN = 1

# what each source asks per object, to answer 429 and 500 now and then
DETAIL_PATHS = {
    "pagerduty": r"^/pagerduty/incidents/[^/]+/(alerts|custom_fields/values)$",
    "opsgenie": r"^/opsgenie/v2/alerts/[^/]+(/logs)?$",
    "jsm": r"^/jsm/ops/api/[^/]+/v1/alerts/[^/]+(/logs)?$",
}


@pytest.fixture(scope="module")
def org() -> Organisation:
    start = END - timedelta(days=61)
    return generate(
        23,
        END,
        months=2,
        opsgenie_share=0.4,
        jsm_migration_at=mid_period(start, END, "America/Sao_Paulo"),
        **GROUPED,
    )


@pytest.fixture
def server(org: Organisation) -> Iterator[SimulatorServer]:
    tokens = SimulatorTokens(pagerduty=TOKEN, opsgenie=TOKEN, jsm_email=EMAIL, jsm_api_token=TOKEN)
    with SimulatorServer(org, tokens=tokens) as sim:
        yield sim


def source_settings(source: str, server: SimulatorServer) -> dict[str, Any]:
    if source == "pagerduty":
        return {"base_url": server.pagerduty_url, "token_file": "token"}
    if source == "opsgenie":
        return {"base_url": server.opsgenie_url, "api_key_file": "token"}
    return {
        "base_url": server.jsm_url,
        "site": server.jsm_site_url,
        "email_file": "email",
        "api_token_file": "token",
    }


def make_settings(
    tmp_path: Path, source: str, server: SimulatorServer, concurrency: int
) -> Settings:
    (tmp_path / "token").write_text(TOKEN + "\n")
    (tmp_path / "email").write_text(EMAIL + "\n")
    config = {**source_settings(source, server), "timeout": "5s", "concurrency": concurrency}
    return settings_from_dict(
        {
            "sources": {source: config},
            "sync": {"initial_lookback": "365d"},
            # the custom fields the simulated organisation fills in (one request per incident)
            "taxonomy": {"pagerduty_field": pdsim.ROOT_CAUSE_FIELD},
            "releases": {"pagerduty_field": pdsim.RELEASE_FIELD},
        },
        base_dir=tmp_path,
        origin="test",
    )


CONNECTORS: dict[str, Callable[[Settings, RetryPolicy], Any]] = {
    "pagerduty": lambda settings, policy: PagerDutyConnector(settings, retry=policy),
    "opsgenie": lambda settings, policy: OpsgenieConnector(settings, retry=policy, page_size=20),
    "jsm": lambda settings, policy: JsmConnector(settings, retry=policy, page_size=20),
}


def sync(
    source: str, settings: Settings, server: SimulatorServer, slept: list[float]
) -> tuple[duckdb.DuckDBPyConnection, SyncContext]:
    con = open_memory()
    ctx = SyncContext(
        con=con,
        settings=settings,
        source=source,
        run_id=RUN,  # each sync lands in a warehouse of its own
        full=False,
        started_at=datetime.now(UTC),
        now=lambda: server.now,
    )
    server.reset_counts()
    CONNECTORS[source](settings, RetryPolicy(sleep=slept.append)).sync(ctx)
    return con, ctx


def landed(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a run leaves in the warehouse but its run id and times."""
    return {
        "objects": con.execute(
            "select source, object_type, object_id, parent_id, payload::varchar, payload_hash, "
            "deleted_at from raw_objects order by all"
        ).fetchall(),
        "rejects": con.execute(
            "select source, object_type, body_sha, location, reason, body from raw_rejects "
            "order by all"
        ).fetchall(),
        "states": con.execute(
            "select source, stream, state::varchar from sync_state order by all"
        ).fetchall(),
    }


@pytest.mark.parametrize("source", ["pagerduty", "opsgenie", "jsm"])
def test_details_in_flight_land_what_one_after_the_other_lands(
    source: str, tmp_path: Path, server: SimulatorServer
) -> None:
    one_slept: list[float] = []
    one, one_ctx = sync(source, make_settings(tmp_path, source, server, 1), server, one_slept)
    alone = landed(one)
    one.close()
    assert one_slept == []
    per_object = sum(
        n
        for path, n in server.request_counts()["by_path"].items()
        if re.search(DETAIL_PATHS[source], path)
    )
    assert per_object > 50  # enough detail requests for several to be in flight at once

    # the same sync 8 at a time, 3 of its detail requests answered 429 and 3 answered 500
    server.add_fault(path=DETAIL_PATHS[source], kind="rate_limit", retry_after=2, count=3)
    server.add_fault(path=DETAIL_PATHS[source], kind="status", status=500, count=3)
    many_slept: list[float] = []
    many, many_ctx = sync(source, make_settings(tmp_path, source, server, 8), server, many_slept)
    assert landed(many) == alone
    many.close()
    assert server.faults.pending() == []  # every fault was met, and retried
    assert len(many_slept) == 6 and many_slept.count(2.0) >= 3  # the 429s wait what they say
    # every attempt counted, the 6 retried ones included
    assert many_ctx.requests == one_ctx.requests + 6 == server.request_counts()["total"]
