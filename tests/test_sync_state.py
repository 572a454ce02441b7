"""One shape of sync state for every source (``StreamState``): its JSON round trip, clear errors
for a state it cannot read, and warehouses whose states were saved in the older per-source
shapes: migrated, they go on syncing incrementally from where they were."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from simulator_specs import GROUPED

from opskpi.config import Settings, settings_from_dict
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import DataError
from opskpi.etl.http import RetryPolicy
from opskpi.etl.sources.opsgenie import OpsgenieConnector, watermark_at, watermark_ms
from opskpi.etl.sources.pagerduty.connector import PagerDutyConnector
from opskpi.etl.warehouse.connect import open_writer
from opskpi.etl.warehouse.sync_state import StreamState
from opskpi.simulator import SimulatorServer, SimulatorTokens, generate
from opskpi.simulator.timeutil import epoch_ms
from opskpi.sql import migrations
from opskpi.sql.session import code_version, current_version

END = datetime(2026, 3, 1, tzinfo=UTC)
PD_TOKEN = "pd-token-4c1e9a7b3f5d2e8a"
OG_KEY = "og-key-5f1d7c3b9a2e4d6f8b0c1a3e5d7f9b2c"
WHERE = "sync_state opsgenie/alerts"


# -- the shape ------------------------------------------------------------------------------------
def test_a_state_round_trips_through_its_one_json_shape() -> None:
    state = StreamState(
        watermark=datetime(2026, 1, 20, 9, 30, 0, 123000, tzinfo=UTC),
        open_ids=("P2", "P1"),
        gone_ids=("P9",),
        checked_through_run=42,
    )
    text = state.to_json()
    assert json.loads(text) == {
        "watermark": "2026-01-20T09:30:00.123000+00:00",
        "open_ids": ["P2", "P1"],
        "gone_ids": ["P9"],
        "checked_through_run": 42,
    }
    assert StreamState.from_json(text, WHERE) == state
    empty = StreamState()
    assert json.loads(empty.to_json()) == {
        "watermark": None,
        "open_ids": [],
        "gone_ids": [],
        "checked_through_run": 0,
    }
    assert StreamState.from_json(empty.to_json(), WHERE) == empty


def test_opsgenie_watermarks_keep_every_millisecond() -> None:
    # 2026-01-20T00:00:00Z is 20,473 days after the epoch: 20,473 × 86,400 s
    midnight_ms = 20_473 * 86_400 * 1000
    assert datetime(2026, 1, 20, tzinfo=UTC) == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
        milliseconds=midnight_ms
    )
    for ms in (0, midnight_ms, midnight_ms + 1, midnight_ms + 999, midnight_ms + 86_399_999):
        saved = StreamState(watermark=watermark_at(ms)).to_json()
        assert watermark_ms(StreamState.from_json(saved, WHERE)) == ms
    assert watermark_at(None) is None and watermark_ms(StreamState()) is None


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ('["P1"]', "expected a JSON object, found list"),
        ('{"watermark_ms": 5}', "unknown field(s) watermark_ms"),
        ('{"watermark": "2026-01-20T00:00:00"}', "is not an ISO 8601 time with an offset"),
        ('{"watermark": "last tuesday"}', "is not an ISO 8601 time with an offset"),
        ('{"open_ids": ["a", 7]}', "open_ids: expected a list of ids"),
        ('{"gone_ids": "P1"}', "gone_ids: expected a list of ids"),
        ('{"checked_through_run": true}', "checked_through_run True is not a run id"),
        ('{"checked_through_run": -1}', "checked_through_run -1 is not a run id"),
    ],
)
def test_a_state_it_cannot_read_is_a_clear_error(stored: str, message: str) -> None:
    with pytest.raises(DataError, match="sync_state opsgenie/alerts") as failure:
        StreamState.from_json(stored, WHERE)
    assert message in str(failure.value)


# -- warehouses with states of the older shapes ---------------------------------------------------
def warehouse_at_version_1(path: Path, states: list[tuple[str, str, str]]) -> None:
    """A warehouse as the opskpi before the one state shape left it: schema version 1 and
    ``(source, stream, state JSON)`` rows as its connectors saved them."""
    con = duckdb.connect(str(path))
    con.execute(
        "create table schema_migrations ("
        " version integer primary key, name varchar not null, applied_at timestamptz not null)"
    )
    first = migrations()[0]
    con.execute(first.sql)
    con.execute("insert into schema_migrations values (1, ?, now())", [first.name])
    for source, stream, state in states:
        con.execute("insert into sync_state values (?, ?, ?, now())", [source, stream, state])
    con.close()


def stored_states(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict[str, object]]:
    rows = con.execute("select source, stream, state from sync_state").fetchall()
    return {(source, stream): json.loads(state) for source, stream, state in rows}


def test_the_migration_rewrites_every_older_state_into_the_one_shape(tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    # 2026-01-20T00:00:00.123Z in epoch milliseconds: 20,473 days × 86,400,000 ms + 123
    opsgenie_ms = 20_473 * 86_400_000 + 123
    warehouse_at_version_1(
        path,
        [
            (
                "pagerduty",
                "incidents",
                '{"watermark": "2026-01-20T00:00:00+00:00", "open_ids": ["P1", "P2"]}',
            ),
            (
                "pagerduty",
                "other",
                '{"watermark": "2026-01-20T00:00:00+00:00", "open_ids": [], "gone_ids": ["P9"]}',
            ),
            ("pagerduty", "incident_details", '{"checked_through_run": 7}'),
            ("opsgenie", "alerts", f'{{"watermark_ms": {opsgenie_ms}, "open": ["a", "b"]}}'),
            ("opsgenie", "incidents", '{"watermark_ms": null, "open": []}'),
        ],
    )
    con = open_writer(path)
    assert current_version(con) == code_version() >= 2
    states = stored_states(con)
    con.close()
    assert states == {
        ("pagerduty", "incidents"): {
            "watermark": "2026-01-20T00:00:00+00:00",
            "open_ids": ["P1", "P2"],
            "gone_ids": [],
            "checked_through_run": 0,
        },
        ("pagerduty", "other"): {
            "watermark": "2026-01-20T00:00:00+00:00",
            "open_ids": [],
            "gone_ids": ["P9"],
            "checked_through_run": 0,
        },
        ("pagerduty", "incident_details"): {
            "watermark": None,
            "open_ids": [],
            "gone_ids": [],
            "checked_through_run": 7,
        },
        ("opsgenie", "alerts"): {
            "watermark": "2026-01-20T00:00:00.123000+00:00",
            "open_ids": ["a", "b"],
            "gone_ids": [],
            "checked_through_run": 0,
        },
        ("opsgenie", "incidents"): {
            "watermark": None,
            "open_ids": [],
            "gone_ids": [],
            "checked_through_run": 0,
        },
    }
    for (source, stream), state in states.items():
        StreamState.from_json(json.dumps(state), f"sync_state {source}/{stream}")


def context(
    con: duckdb.DuckDBPyConnection, settings: Settings, source: str, run_id: int, now: datetime
) -> SyncContext:
    return SyncContext(
        con=con,
        settings=settings,
        source=source,
        run_id=run_id,
        full=False,
        started_at=datetime.now(UTC),
        now=lambda: now,
    )


@pytest.mark.integration
def test_pagerduty_goes_on_from_a_state_of_the_older_shape(tmp_path: Path) -> None:
    org = generate(5, END, months=2, **GROUPED)
    # an incident open for more than [sync] lookback (7 d) + 2 days at the clock chosen
    old = next(
        i
        for i in org.incidents
        if i.source == "pagerduty"
        and i.resolved_at is not None
        and i.resolved_at - i.created_at > timedelta(days=9)
        and i.resolved_at < END - timedelta(days=1)
    )
    assert old.resolved_at is not None
    now = (old.resolved_at - timedelta(hours=12)).replace(microsecond=0)
    watermark = now - timedelta(days=2)  # the last run, two days ago
    path = tmp_path / "wh.duckdb"
    warehouse_at_version_1(
        path,
        [
            (
                "pagerduty",
                "incidents",
                json.dumps({"watermark": watermark.isoformat(), "open_ids": [old.source_id]}),
            ),
            ("pagerduty", "incident_details", '{"checked_through_run": 1}'),
        ],
    )
    (tmp_path / "pd.token").write_text(PD_TOKEN + "\n")
    with SimulatorServer(org, tokens=SimulatorTokens(pagerduty=PD_TOKEN), now=now) as sim:
        settings = settings_from_dict(
            {
                "sources": {"pagerduty": {"base_url": sim.pagerduty_url, "token_file": "pd.token"}},
                "sync": {"initial_lookback": "365d", "lookback": "7d"},
            },
            base_dir=tmp_path,
            origin="test",
        )
        con = open_writer(path)
        ctx = context(con, settings, "pagerduty", 2, now)
        PagerDutyConnector(settings, sleep=lambda _: None).sync(ctx)
        by_path = sim.request_counts()["by_path"]
    # incremental: the windows start at the old watermark minus the look-back (9 days ago),
    # and the incident open at the last run, older than that, is read again by id
    since = watermark - timedelta(days=7)
    window = {
        i.source_id
        for i in org.incidents
        if i.source == "pagerduty" and since <= i.created_at <= now
    }
    assert old.created_at < since and old.source_id not in window
    assert any(i.source == "pagerduty" and i.created_at < since for i in org.incidents)
    assert by_path[f"/pagerduty/incidents/{old.source_id}"] == 1
    landed = {
        r[0]
        for r in con.execute(
            "select object_id from raw_objects where source = 'pagerduty' "
            "and object_type = 'incident'"
        ).fetchall()
    }
    assert landed == window | {old.source_id}
    # the new state, in the one shape: this run's clock, and the incidents open now
    truth = {i.source_id: i for i in org.incidents if i.source_id in landed}
    assert ctx.get_state("incidents") == StreamState(
        watermark=now,
        open_ids=tuple(sorted(k for k, i in truth.items() if i.status_at(now) != "resolved")),
    )
    assert ctx.get_state("incident_details") == StreamState(checked_through_run=2)
    con.close()


@pytest.mark.integration
def test_opsgenie_goes_on_from_a_state_of_the_older_shape(tmp_path: Path) -> None:
    org = generate(7, END, months=2, opsgenie_share=0.5)
    now = datetime(2026, 1, 20, tzinfo=UTC)
    watermark = now - timedelta(days=2)
    since = watermark - timedelta(days=7)
    alerts = [i for i in org.incidents if i.source == "opsgenie" and i.created_at <= now]
    # an alert created before the window and still open now: only the re-read can see it
    old = next(a for a in alerts if a.created_at < since and a.resolved_at_view(now) is None)
    path = tmp_path / "wh.duckdb"
    state = {"watermark_ms": epoch_ms(watermark), "open": [old.source_id]}
    warehouse_at_version_1(path, [("opsgenie", "alerts", json.dumps(state))])
    (tmp_path / "opsgenie.key").write_text(OG_KEY + "\n")
    with SimulatorServer(org, tokens=SimulatorTokens(opsgenie=OG_KEY), now=now) as sim:
        source = {"base_url": sim.opsgenie_url, "api_key_file": "opsgenie.key", "mode": "alerts"}
        settings = settings_from_dict(
            {"sources": {"opsgenie": source}, "sync": {"initial_lookback": "365d"}},
            base_dir=tmp_path,
            origin="test",
        )
        con = open_writer(path)
        ctx = context(con, settings, "opsgenie", 2, now)
        connector = OpsgenieConnector(settings, retry=RetryPolicy(sleep=lambda _: None))
        connector.sync(ctx)
    window = [a for a in alerts if epoch_ms(a.created_at) >= epoch_ms(since)]
    assert len(window) < len(alerts)  # a full run would land more
    landed = {
        r[0]
        for r in con.execute(
            "select object_id from raw_objects where source = 'opsgenie' and object_type = 'alert'"
        ).fetchall()
    }
    assert landed == {a.source_id for a in window} | {old.source_id}
    # each alert of the window is new: its detail; and the old open alert is read again
    assert connector.stats["GET /v2/alerts/{id}"] == len(window) + 1
    saved = ctx.get_state("alerts")
    assert saved is not None
    assert watermark_ms(saved) == max(epoch_ms(a.created_at) for a in window)
    open_now = {a.source_id for a in window if a.resolved_at_view(now) is None}
    assert set(saved.open_ids) == open_now | {old.source_id}
    con.close()
