"""``opskpi kpis`` on a warehouse loaded from fixtures: the INTERFACES.md JSON shape, every key,
hand-worked values, nulls where nothing is measurable; CSV; errors as one line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from payloads import argo_history, pd_incident, pd_log, pd_notify

from opskpi.app.cli.main import main
from opskpi.config import load_settings
from opskpi.etl.warehouse.build import build_and_publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.etl.warehouse.landing import land

# February 2026, judged at March 1st 00:00 UTC
FEBRUARY = ["--since", "2026-02-01", "--until", "2026-03-01", "--as-of", "2026-03-01T00:00:00Z"]

EXPECTED_KEYS = {
    "top": {
        "as_of",
        "timezone",
        "since",
        "until",
        "response_times",
        "root_causes",
        "releases",
        "runbooks",
        "rca",
        "paging",
        "oncall",
        "noise",
    },
    "response": {
        "severity",
        "incidents",
        "merged",
        "acknowledged",
        "unacknowledged",
        "resolved",
        "open",
        "tta_seconds",
        "ttr_seconds",
        "ack_sla_compliance",
        "resolve_sla_compliance",
        "breaching_open",
        "unacked_over_target",
    },
    "stats": {"mean", "median", "p90", "p95", "max"},
    "releases": {
        "incidents",
        "release_caused",
        "explicit",
        "window",
        "release_caused_share",
        "deploys",
        "deploys_with_incident",
        "change_failure_rate",
        "rollbacks",
    },
    "runbooks": {"incidents", "with_runbook", "without_runbook", "coverage"},
    "rca": {
        "actions_due",
        "actions_on_time",
        "rca_adherence",
        "overdue_actions",
        "overdue_must_fix",
        "postmortems_due",
        "postmortems_on_time",
        "postmortem_on_time_share",
    },
    "paging": {"acknowledged", "acked_within_paging_window", "escalated", "escalation_rate"},
    "oncall": {
        "interruptions",
        "business_hours",
        "off_hours",
        "sleep_hours",
        "people",
        "max_per_person",
        "sleep_hours_share",
    },
    "noise": {
        "incidents",
        "resolved",
        "resolved_unacknowledged",
        "resolved_unacknowledged_share",
        "flapping",
        "flapping_share",
        "alerts_per_incident",
    },
}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "opskpi.toml"
    path.write_text(
        '[warehouse]\npath = "wh.duckdb"\n'
        '[services."checkout-api"]\nargocd_apps = ["checkout-api-prod"]\n'
        'runbook_url = "https://wiki/rb"\n'
    )
    settings = load_settings(path)
    con = open_writer(settings.warehouse_path)
    land(
        con,
        "pagerduty",
        "incident",
        [
            # sev1, tta 240 s, ttr 1800 s, 30 min after a deploy → release-caused (window)
            pd_incident("Q1", "2026-02-10T12:00:00Z", resolved_at="2026-02-10T12:30:00Z"),
            # sev2 open and unacknowledged since Feb 11 → breaching and unacked at as_of
            pd_incident("Q2", "2026-02-11T12:00:00Z", status="triggered", priority="P2"),
        ],
    )
    land(
        con,
        "pagerduty",
        "log_entry",
        [
            pd_log("L1", "Q1", "acknowledge_log_entry", "2026-02-10T12:04:00Z"),
            pd_log("L2", "Q1", "escalate_log_entry", "2026-02-10T12:02:00Z"),
            # Ana paged at 09:00:02 local (a Tuesday: business hours), Bruno at 09:02 local
            pd_notify("N1", "Q1", "2026-02-10T12:00:02Z", "Ana"),
            pd_notify("N2", "Q1", "2026-02-10T12:02:02Z", "Bruno"),
            # Q2 pages Ana on Wed Feb 11 at 09:00 local: her second interruption
            pd_notify("N3", "Q2", "2026-02-11T12:00:02Z", "Ana"),
        ],
    )
    land(
        con,
        "argocd",
        "history_entry",
        [argo_history(7, "f" * 40, "2026-02-10T11:30:00Z")],
        key=lambda r: f"checkout-api-prod/{r['id']}",
        parent_id="checkout-api-prod",
    )
    build_and_publish(settings, con)
    con.close()
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_every_key_and_the_hand_worked_values(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        ["--config", str(config), "kpis", "--json", *FEBRUARY],
        capsys,
    )
    assert code == 0, err
    report = json.loads(out)
    assert set(report) == EXPECTED_KEYS["top"]
    assert (report["as_of"], report["since"], report["until"], report["timezone"]) == (
        "2026-03-01T00:00:00+00:00",
        "2026-02-01",
        "2026-03-01",
        "America/Sao_Paulo",
    )
    for row in report["response_times"]:
        assert EXPECTED_KEYS["response"] <= set(row)
        assert EXPECTED_KEYS["stats"] <= set(row["tta_seconds"])
    for group in ("releases", "runbooks", "rca", "paging", "oncall", "noise"):
        assert set(report[group]) == EXPECTED_KEYS[group]
    rows = {r["severity"]: r for r in report["response_times"]}
    assert list(rows) == ["sev1", "sev2", "all"]
    assert rows["sev1"]["tta_seconds"]["mean"] == 240.0
    assert rows["sev1"]["ttr_seconds"]["p90"] == 1800.0
    assert rows["sev1"]["ack_sla_compliance"] == 1.0
    assert rows["sev2"]["tta_seconds"]["mean"] is None  # nothing measurable → null
    assert rows["sev2"]["ack_sla_compliance"] is None
    assert (rows["sev2"]["breaching_open"], rows["sev2"]["unacked_over_target"]) == (1, 1)
    assert rows["all"]["incidents"] == 2
    assert len(report["root_causes"]) == 7
    assert report["releases"] == {
        "incidents": 2,
        "release_caused": 1,
        "explicit": 0,
        "window": 1,
        "release_caused_share": 0.5,
        "deploys": 1,
        "deploys_with_incident": 1,
        "change_failure_rate": 1.0,
        "rollbacks": 0,
    }
    assert report["runbooks"]["coverage"] == 1.0  # both from the service's config
    assert report["rca"]["rca_adherence"] is None  # no action due: null, not 0
    assert report["paging"] == {
        "acknowledged": 1,
        "acked_within_paging_window": 1.0,
        "escalated": 1,
        "escalation_rate": 0.5,
    }
    assert report["oncall"] == {
        "interruptions": 3,
        "business_hours": 3,
        "off_hours": 0,
        "sleep_hours": 0,
        "people": 2,
        "max_per_person": 2,  # Ana: Q1 and Q2
        "sleep_hours_share": 0.0,
    }
    # Q1 resolved after an ack, Q2 open: nothing resolved unacknowledged, nothing flapping;
    # neither payload carries alert_counts: no alert count is known
    assert report["noise"] == {
        "incidents": 2,
        "resolved": 1,
        "resolved_unacknowledged": 0,
        "resolved_unacknowledged_share": 0.0,
        "flapping": 0,
        "flapping_share": 0.0,
        "alerts_per_incident": None,
    }


def test_filters_narrow_the_report(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        ["--config", str(config), "kpis", "--json", *FEBRUARY, "--severity", "sev2"],
        capsys,
    )
    report = json.loads(out)
    assert [r["severity"] for r in report["response_times"]] == ["sev2", "all"]
    assert report["filters"] == {"severities": ["sev2"]}


def test_csv_is_long_and_complete(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["--config", str(config), "kpis", "--csv", *FEBRUARY],
        capsys,
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    values = {(r["group"], r["key"], r["metric"]): r["value"] for r in rows}
    assert values[("response_times", "sev1", "tta_seconds.mean")] == "240.0"
    assert values[("releases", "", "change_failure_rate")] == "1.0"
    assert values[("rca", "", "rca_adherence")] == ""  # null stays empty, never 0
    assert values[("oncall", "", "interruptions")] == "3"
    assert values[("noise", "", "alerts_per_incident")] == ""


def test_table_output_speaks_durations(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["--config", str(config), "kpis", *FEBRUARY],
        capsys,
    )
    assert code == 0
    assert "4 min" in out and "30 min" in out and "no data" in out
    assert "interruptions" in out and "3 (business 3, off 0, sleep 0)" in out
    assert "2 (at most 2 for one)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["kpis", "--since", "March"], "--since: expected a date like 2026-03-01, got 'March'"),
        (
            ["kpis", "--since", "2026-03-01", "--until", "2026-02-01"],
            "--until (2026-02-01) must be after --since (2026-03-01)",
        ),
        (["kpis", "--as-of", "yesterday"], "--as-of: expected an ISO-8601 instant"),
    ],
)
def test_errors_are_one_line(
    config: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(["--config", str(config), *args], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_missing_snapshot_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "opskpi.toml"
    cfg.write_text('[warehouse]\npath = "none.duckdb"\n')
    code, _, err = run(["--config", str(cfg), "kpis"], capsys)
    assert code == 1
    assert "no KPI snapshot" in err and "opskpi sync" in err and err.count("\n") == 1


def test_bad_config_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "opskpi.toml"
    cfg.write_text('[policy.sev1]\nack_target = "soon"\n')
    code, _, err = run(["--config", str(cfg), "kpis"], capsys)
    assert code == 1 and "policy.sev1.ack_target" in err and "'soon'" in err


def test_db_commands(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--config", str(config), "db", "migrate"], capsys)
    assert code == 0 and "nothing to apply" in out
    code, out, _ = run(["--config", str(config), "db", "info"], capsys)
    assert code == 0 and "raw pagerduty incident" in out and "incidents" in out
    code, out, _ = run(["--config", str(config), "db", "build"], capsys)
    assert code == 0 and "2 incidents, 1 deploys" in out
