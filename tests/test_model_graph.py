"""The models as the build sees them (etl/warehouse/model_graph.py): every model file is in the
graph with what it reads, reads only models built before it, and is kept in a declared way; a
staging table kept by raw key holds the raw object's id in its key column."""

from __future__ import annotations

from pathlib import Path

from payloads import og_alert, og_log, pd_alert, pd_custom_fields, pd_incident, pd_log, postmortem
from warehouse import TestWarehouse

from opskpi import sql
from opskpi.etl.warehouse.incremental import DIFF_RULES
from opskpi.etl.warehouse.model_graph import (
    KEYED_MARTS,
    SCOPED_VIEWS,
    STAGING_KEYS,
    load_models,
    reads_of,
)


def test_every_model_file_is_in_the_graph_in_build_order() -> None:
    models = load_models()
    assert [m.name for m in models] == [sql.model_table_name(stem) for _, stem in sql.models()]
    names = {m.name for m in models}
    # every declaration names a model that exists
    assert set(STAGING_KEYS) <= names
    assert set(SCOPED_VIEWS) <= names
    assert set(KEYED_MARTS) <= names
    assert set(DIFF_RULES) <= names


def test_a_model_reads_only_models_built_before_it() -> None:
    built: set[str] = set()
    everything = {m.name for m in load_models()}
    for model in load_models():
        assert (model.reads & everything) <= built, model.name
        built.add(model.name)


def test_the_tables_that_map_changes_to_incidents_are_built_before_the_keyed_marts() -> None:
    order = [m.name for m in load_models()]
    first_keyed = min(order.index(name) for name in KEYED_MARTS)
    assert all(order.index(name) < first_keyed for name in DIFF_RULES)


def test_the_kinds_follow_the_layers() -> None:
    for model in load_models():
        if model.layer == "staging":
            assert model.kind == "staging", model.name
        elif model.name in SCOPED_VIEWS:
            assert (model.layer, model.kind) == ("intermediate", "scoped")
        elif model.name in KEYED_MARTS:
            assert (model.layer, model.kind) == ("marts", "keyed")
        else:
            assert model.kind == "table", model.name


def test_a_staging_table_kept_by_key_reads_one_raw_object_type() -> None:
    for model in load_models():
        if model.name in STAGING_KEYS:
            assert len(model.raw_types) == 1, model.name
            assert model.reads == {f"raw:{s}/{t}" for s, t in model.raw_types}, model.name


def test_reads_leave_out_ctes_string_literals_and_comments() -> None:
    body = """
    -- reads incidents? no: a comment
    with incidents as (select * from stg_x where source = 'a' and object_type = 'b'),
    other as (select '$.deploys' as path from raw_objects where source = 'c' and object_type = 'd')
    select * from incidents join postmortems using (k) cross join cfg_settings
    """
    known = {"incidents", "postmortems", "deploys", "stg_x"}
    assert reads_of(body, known) == {
        "stg_x",
        "postmortems",
        "cfg_settings",
        "raw:a/b",
        "raw:c/d",
    }
    assert reads_of("select max(fetched_at) from raw_objects", set()) == {"raw:*"}


def test_the_key_column_of_a_staging_table_is_the_raw_object_id(tmp_path: Path) -> None:
    wh = TestWarehouse(
        {
            "sources": {
                "jsm": {
                    "site": "https://acme.atlassian.net",
                    "cloud_id": "c0ffee",
                    "email_env": "E",
                    "api_token_env": "T",
                }
            }
        },
        base_dir=tmp_path,
    )
    wh.land("pagerduty", "incident", [pd_incident("I1", "2026-03-02T10:00:00Z")])
    wh.land(
        "pagerduty",
        "log_entry",
        [pd_log("L1", "I1", "trigger_log_entry", "2026-03-02T10:00:00Z")],
        parent_id=lambda r: r["incident"]["id"],
    )
    wh.land("pagerduty", "alert", [pd_alert("AL1", "I1", "2026-03-02T10:00:00Z")])
    wh.land(
        "pagerduty",
        "incident_custom_fields",
        [{**pd_custom_fields({"root_cause": "capacity"}), "incident_id": "I1"}],
        key="incident_id",
    )
    wh.land(
        "pagerduty",
        "analytics_incident",
        [{"id": "I1", "created_at": "2026-03-02T10:00:00", "status": "resolved"}],
    )
    wh.land("opsgenie", "alert", [og_alert("O1", "2026-03-02T10:00:00.000Z")])
    wh.land(
        "opsgenie",
        "alert_log",
        [og_log("Alert created", "2026-03-02T10:00:00.000Z", "x1")],
        key=lambda r: f"O1/{r['offset']}",
        parent_id="O1",
    )
    wh.land(
        "opsgenie",
        "incident",
        [{"id": "OI1", "message": "m", "createdAt": "2026-03-02T10:00:00Z", "status": "open"}],
    )
    wh.land(
        "opsgenie",
        "timeline_entry",
        [{"id": "T1", "type": "IncidentOpened", "eventTime": "2026-03-02T10:00:00Z"}],
        key=lambda r: f"OI1/{r['id']}",
        parent_id="OI1",
    )
    wh.land("jsm", "alert", [{"id": "J1", "createdAt": "2026-03-02T10:00:00Z"}])
    wh.land(
        "jsm",
        "alert_log",
        [{"log": "Alert created", "logTime": "2026-03-02T10:00:00Z"}],
        key=lambda r: f"J1/{r['logTime']}",
        parent_id="J1",
    )
    wh.land("postmortems", "postmortem", [postmortem("P1.md", [], published_at=None)])
    wh.build()
    for name, key in STAGING_KEYS.items():
        ((source, object_type),) = next(m for m in load_models() if m.name == name).raw_types
        rows = wh.rows(
            f"select {key.key} as id from {name} except "
            "select object_id from raw_objects where source = ? and object_type = ?",
            [source, object_type],
        )
        assert rows == [], name
        assert wh.one(f"select count(*) as n from {name}")["n"] >= 1, name
