"""An incremental build gives the snapshot a full rebuild gives, table by table and row by row,
and re-models only the incidents its delta touches: its own objects, what a changed deploy's
release window and a changed postmortem link pull in, a merge target, and both records of an
Opsgenie/JSM pair.

Two warehouses receive the same landings (same fetch times, same run ids): one is built the way
``opskpi sync`` does it (incremental build, delta publish), the other with ``db build --full``;
their published snapshots are compared. Every expected incident set is worked out in the test.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from payloads import argo_history, og_alert, og_log, pd_incident, pd_log, pd_notify, postmortem

from opskpi import sql
from opskpi.config import Settings, settings_from_dict
from opskpi.etl.warehouse import incremental
from opskpi.etl.warehouse.build import BuildResult, build_and_publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.etl.warehouse.landing import land

CONFIG: dict[str, Any] = {
    "services": {
        "checkout-api": {"team": "Payments", "argocd_apps": ["checkout"]},
        "search-api": {"team": "Search", "argocd_apps": ["search"]},
    },
    "policy": {"release_window": "1h"},
}


class Twins:
    """The same landings into two warehouses: ``inc`` built as a sync builds, ``full`` whole."""

    def __init__(self, tmp_path: Path, config: dict[str, Any]) -> None:
        self.settings: dict[str, Settings] = {}
        self.con: dict[str, duckdb.DuckDBPyConnection] = {}
        for name in ("inc", "full"):
            settings = settings_from_dict(
                {**config, "warehouse": {"path": f"{name}/wh.duckdb"}},
                base_dir=tmp_path,
                origin="test",
            )
            self.settings[name] = settings
            self.con[name] = open_writer(settings.warehouse_path)
        self.run = 0

    def land(self, source: str, object_type: str, records: list[Any], **kwargs: Any) -> None:
        for con in self.con.values():
            land(
                con,
                source,
                object_type,
                records,
                sync_run_id=self.run,
                fetched_at=datetime(2026, 3, 10, 0, 0, self.run, tzinfo=UTC),
                **kwargs,
            )

    def sync(self, landings: Callable[[Twins], None]) -> BuildResult:
        """A sync run: its landings, then the incremental build and publish of ``inc`` and a
        full one of ``full``; the incremental result."""
        self.run += 1
        landings(self)
        result = build_and_publish(self.settings["inc"], self.con["inc"])
        build_and_publish(self.settings["full"], self.con["full"], full=True)
        return result

    def served(self, name: str, table: str) -> list[tuple[Any, ...]]:
        reader = duckdb.connect(str(self.settings[name].serving_path), read_only=True)
        try:
            return reader.execute(f"select * from {table} order by all").fetchall()
        finally:
            reader.close()

    def assert_same_snapshot(self) -> None:
        for table in sql.SERVED_TABLES:
            if table in ("build_info", "schema_migrations"):  # when and how it was built
                continue
            assert self.served("inc", table) == self.served("full", table), table

    def changed_keys(self) -> set[str]:
        rows = self.con["inc"].execute("select incident_key from build_changed_keys").fetchall()
        return {row[0] for row in rows}

    def incident(self, key: str) -> dict[str, Any]:
        reader = duckdb.connect(str(self.settings["inc"].serving_path), read_only=True)
        try:
            cur = reader.execute("select * from incidents where incident_key = ?", [key])
            columns = [d[0] for d in cur.description]
            rows = cur.fetchall()
        finally:
            reader.close()
        assert len(rows) == 1, (key, rows)
        return dict(zip(columns, rows[0], strict=True))

    def close(self) -> None:
        for con in self.con.values():
            con.close()


@pytest.fixture
def twins(tmp_path: Path) -> Any:
    pair = Twins(tmp_path, CONFIG)
    yield pair
    pair.close()


def history(app: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"records": entries, "key": lambda r: f"{app}/{r['id']}", "parent_id": app}


def first_sync(t: Twins) -> None:
    t.land(
        "pagerduty",
        "incident",
        [
            pd_incident("A", "2026-03-02T10:00:00Z", resolved_at="2026-03-02T10:30:00Z"),
            pd_incident("B", "2026-03-02T12:30:00Z", resolved_at="2026-03-02T12:50:00Z"),
            pd_incident(
                "C",
                "2026-03-02T09:00:00Z",
                resolved_at="2026-03-02T09:20:00Z",
                service="search-api",
            ),
            pd_incident("D", "2026-03-02T11:00:00Z", resolved_at="2026-03-02T11:40:00Z"),
            pd_incident(
                "E",
                "2026-03-02T15:00:00Z",
                resolved_at="2026-03-02T15:10:00Z",
                service="search-api",
            ),
            pd_incident("G", "2026-03-02T08:00:00Z", resolved_at="2026-03-02T08:30:00Z"),
        ],
    )
    t.land(
        "pagerduty",
        "log_entry",
        [
            pd_log("A1", "A", "trigger_log_entry", "2026-03-02T10:00:00Z"),
            pd_log("A2", "A", "acknowledge_log_entry", "2026-03-02T10:05:00Z"),
            pd_notify("B1", "B", "2026-03-02T12:31:00Z", "Ana"),
            pd_notify("E1", "E", "2026-03-02T15:01:00Z", "Bia"),
        ],
        parent_id=lambda r: r["incident"]["id"],
    )
    t.land(
        "argocd",
        "history_entry",
        **history("checkout", [argo_history(1, "a" * 12, "2026-03-02T09:30:00Z")]),
    )
    t.land(
        "argocd",
        "history_entry",
        **history("search", [argo_history(1, "s" * 12, "2026-03-02T08:00:00Z")]),
    )
    t.land(
        "postmortems",
        "postmortem",
        [
            postmortem(
                "P1.md", ["pagerduty:A"], published_at="2026-03-03T10:00:00Z", root_cause="capacity"
            )
        ],
        snapshot=True,
    )
    t.land("opsgenie", "alert", [og_alert("O1", "2026-03-02T13:00:00.000Z")])
    t.land(
        "opsgenie",
        "alert_log",
        [og_log("Alert created", "2026-03-02T13:00:00.000Z", "o1")],
        key=lambda r: f"O1/{r['offset']}",
        parent_id="O1",
    )


def second_sync(t: Twins) -> None:
    # a deploy of checkout at 12:00: B (12:30, checkout-api) is now within its 1 h window
    t.land(
        "argocd",
        "history_entry",
        **history("checkout", [argo_history(2, "b" * 12, "2026-03-02T12:00:00Z")]),
    )
    # the postmortem now also names C
    t.land(
        "postmortems",
        "postmortem",
        [
            postmortem(
                "P1.md",
                ["pagerduty:A", "pagerduty:C"],
                published_at="2026-03-03T10:00:00Z",
                root_cause="capacity",
            )
        ],
        snapshot=True,
    )
    # D is merged into G; F is new; O1 is acknowledged in its log
    t.land(
        "pagerduty",
        "incident",
        [
            pd_incident(
                "D", "2026-03-02T11:00:00Z", resolved_at="2026-03-02T11:40:00Z", merged_into="G"
            ),
            pd_incident("F", "2026-03-02T13:10:00Z", status="triggered"),
        ],
    )
    t.land(
        "opsgenie",
        "alert_log",
        [og_log("Acknowledged by ana@example.com", "2026-03-02T13:05:00.000Z", "o2")],
        key=lambda r: f"O1/{r['offset']}",
        parent_id="O1",
    )


def test_a_first_build_is_full_and_the_next_ones_incremental(twins: Twins) -> None:
    first = twins.sync(first_sync)
    assert (first.mode, first.reason, first.publish_mode) == ("full", "no previous build", "full")
    twins.assert_same_snapshot()
    # window attribution before the delta: A (10:00) is 30 min after checkout #1 (09:30); B
    # (12:30) is 3 h after it, outside the 1 h window
    assert twins.incident("pagerduty:A")["window_deploy_key"] == "argocd:checkout#1"
    assert twins.incident("pagerduty:B")["window_deploy_key"] is None

    second = twins.sync(second_sync)
    assert (second.mode, second.publish_mode) == ("incremental", "delta")
    twins.assert_same_snapshot()
    # B: its own objects did not change; checkout #2 at 12:00 is 30 min before it
    assert twins.incident("pagerduty:B")["window_deploy_key"] == "argocd:checkout#2"
    # C: named by the postmortem now, which gives its root cause
    c = twins.incident("pagerduty:C")
    assert (c["postmortem_ids"], c["root_cause"]) == (["P1.md"], "capacity")
    d = twins.incident("pagerduty:D")
    assert (d["is_merged"], d["merged_into"]) == (True, "pagerduty:G")
    assert twins.incident("opsgenie:O1")["acknowledged_at"] == datetime(
        2026, 3, 2, 13, 5, tzinfo=UTC
    )
    assert twins.incident("pagerduty:F")["is_open"] is True
    # re-modelled: D and F (their objects), O1 (its log), B (checkout #2's window: checkout-api
    # incidents created 12:00–13:00), A and C (the postmortem's links before and after), G
    # (D's merge target). Not E: nothing of it changed.
    assert twins.changed_keys() == {
        "pagerduty:A",
        "pagerduty:B",
        "pagerduty:C",
        "pagerduty:D",
        "pagerduty:F",
        "pagerduty:G",
        "opsgenie:O1",
    }
    assert second.changes.keyed == {"incidents", "incident_events", "interruptions"}


def test_a_sync_that_changes_nothing_rebuilds_no_incident(twins: Twins) -> None:
    twins.sync(first_sync)
    again = twins.sync(lambda t: t.land("pagerduty", "incident", []))
    assert again.mode == "incremental"
    assert again.changes.delta_objects == 0
    assert twins.changed_keys() == set()
    assert "incidents" not in again.changes.replaced | again.changes.keyed
    twins.assert_same_snapshot()


def test_a_postmortem_file_removed_unlinks_its_incidents(twins: Twins) -> None:
    twins.sync(first_sync)
    # the postmortems folder is empty now: P1 is marked deleted (a snapshot source)
    result = twins.sync(lambda t: t.land("postmortems", "postmortem", [], snapshot=True))
    assert result.mode == "incremental"
    twins.assert_same_snapshot()
    assert twins.incident("pagerduty:A")["postmortem_ids"] is None
    assert twins.changed_keys() == {"pagerduty:A"}


def test_a_config_change_rebuilds_what_reads_it(tmp_path: Path) -> None:
    twins = Twins(tmp_path, CONFIG)
    try:
        twins.sync(first_sync)
        twins.sync(second_sync)
        # a 2 h release window: D (11:00) is 1.5 h after checkout #1 at 09:30
        for name in ("inc", "full"):
            twins.settings[name] = settings_from_dict(
                {
                    **CONFIG,
                    "policy": {"release_window": "2h"},
                    "warehouse": {"path": f"{name}/wh.duckdb"},
                },
                base_dir=tmp_path,
                origin="test",
            )
        result = twins.sync(lambda t: None)
        assert result.mode == "incremental"
        assert {"cfg_settings", "incidents"} <= result.changes.replaced
        twins.assert_same_snapshot()
        assert twins.incident("pagerduty:D")["window_deploy_key"] == "argocd:checkout#1"
    finally:
        twins.close()


def test_a_failed_build_leaves_the_warehouse_and_the_snapshot_as_they_were(
    twins: Twins, monkeypatch: pytest.MonkeyPatch
) -> None:
    twins.sync(first_sync)
    before = twins.served("inc", "incidents")
    original = incremental.IncrementalBuild._update_keyed

    def fail_after_the_first(self: incremental.IncrementalBuild, model: Any) -> None:
        original(self, model)  # incidents: rows deleted and re-inserted
        raise RuntimeError("killed half-way")

    monkeypatch.setattr(incremental.IncrementalBuild, "_update_keyed", fail_after_the_first)
    with pytest.raises(RuntimeError, match="killed half-way"):
        twins.sync(second_sync)
    assert twins.served("inc", "incidents") == before
    count = twins.con["inc"].execute("select count(*) from incidents where is_merged").fetchall()
    assert count == [(0,)]  # D's merge is not in the warehouse's incidents either
    monkeypatch.undo()
    # the next build starts from the last one that succeeded: the delta is still there
    result = twins.sync(lambda t: None)
    assert result.mode == "incremental" and result.changes.delta_objects > 0
    twins.assert_same_snapshot()
    assert twins.incident("pagerduty:D")["merged_into"] == "pagerduty:G"


def test_a_snapshot_that_is_not_the_previous_builds_is_published_whole(twins: Twins) -> None:
    twins.sync(first_sync)
    twins.settings["inc"].serving_path.unlink()
    result = twins.sync(second_sync)
    assert (result.mode, result.publish_mode) == ("incremental", "full")
    twins.assert_same_snapshot()


# -- Opsgenie → JSM Operations: both records of a pair ----------------------------------------
JSM = {
    "site": "https://acme.atlassian.net",
    "cloud_id": "c0ffee",
    "email_env": "JSM_EMAIL",
    "api_token_env": "JSM_API_TOKEN",
}


def jsm_alert(alert_id: str, created_at: str, alias: str) -> dict[str, Any]:
    return {
        "id": alert_id,
        "tinyId": alert_id,
        "alias": alias,
        "message": f"alert {alert_id}",
        "status": "closed",
        "priority": "P2",
        "createdAt": created_at,
        "updatedAt": created_at,
        "closeTime": created_at.replace("T10", "T11"),
        "tags": [],
        "responders": [],
    }


def og_twin(alert_id: str, created_at: str, alias: str) -> dict[str, Any]:
    return {**og_alert(alert_id, created_at, close_ms=600_000), "alias": alias, "tinyId": alert_id}


def jsm_first_sync(t: Twins) -> None:
    t.land(
        "opsgenie",
        "alert",
        [
            og_twin("OG1", "2026-03-05T10:00:00.000Z", "disk-1"),
            og_twin("OG2", "2026-03-06T10:00:00.000Z", "cpu-2"),
        ],
    )
    t.land("jsm", "alert", [jsm_alert("J1", "2026-03-05T10:01:00.000Z", "disk-1")])
    t.land(
        "postmortems",
        "postmortem",
        [postmortem("P1.md", ["opsgenie:OG1"], published_at="2026-03-06T10:00:00Z")],
        snapshot=True,
    )


def jsm_second_sync(t: Twins) -> None:
    # J2 is OG2's twin (same alias, 2 min apart, within the 10 min pair window); J1 is
    # acknowledged in its log
    t.land("jsm", "alert", [jsm_alert("J2", "2026-03-06T10:02:00.000Z", "cpu-2")])
    t.land(
        "jsm",
        "alert_log",
        [{"logTime": "2026-03-05T10:03:00.000Z", "logType": "system", "log": "Acknowledged"}],
        key=lambda r: f"J1/{r['logTime']}/{r['log']}",
        parent_id="J1",
    )


def test_a_pair_is_re_modelled_together_and_a_new_twin_leaves_its_record_out(
    tmp_path: Path,
) -> None:
    twins = Twins(tmp_path, {"sources": {"jsm": JSM}})
    try:
        twins.sync(jsm_first_sync)
        # no cutover: an Opsgenie alert paired with a JSM alert is left out, the JSM one counts
        # (the postmortem naming OG1 counts for J1); OG2 has no twin yet and counts
        assert twins.served("inc", "postmortem_incidents") == [("P1.md", "jsm:J1")]
        assert [r[0] for r in twins.served("inc", "jsm_opsgenie_pairs")] == ["opsgenie:OG1"]
        result = twins.sync(jsm_second_sync)
        assert result.mode == "incremental"
        twins.assert_same_snapshot()
        keys = {
            r[0] for r in twins.con["inc"].execute("select incident_key from incidents").fetchall()
        }
        assert keys == {"jsm:J1", "jsm:J2"}  # OG2 is left out now: J2 counts
        assert twins.incident("jsm:J1")["acknowledged_at"] == datetime(
            2026, 3, 5, 10, 3, tzinfo=UTC
        )
        # J2 (new), OG2 (continuity: now left out for J2), J1 (its log) and OG1 (J1's twin)
        assert twins.changed_keys() == {"jsm:J1", "jsm:J2", "opsgenie:OG1", "opsgenie:OG2"}
    finally:
        twins.close()
