"""One default period on every surface (docs/kpis.md, "The default period"): the 28 full days
before today in the reporting time zone, today left out. The CLI's default, the app's
"Últimos 28 dias completos" and the exporter's 28d window give the same numbers; the weekly
report's default week gives the CLI's numbers for that week.

The warehouse is tests/exporter_fixture.py's, judged at AS_OF = 2026-03-20T15:00Z (12:00 in São
Paulo, UTC-3): today is 2026-03-20, so the default period is [2026-02-20, 2026-03-20) — local
days 02-20 .. 03-19. Three PagerDuty incidents are added at its edges:

| id         | sev  | created (Z)        | local            | in the period? | tta   |
|------------|------|--------------------|------------------|----------------|-------|
| Q2FIRST001 | sev2 | 2026-02-20 12:00   | 02-20 09:00      | yes: first day | none  |
| Q2EVE00001 | sev2 | 2026-02-20 02:30   | 02-19 23:30      | no: day before | 10 s  |
| Q1TODAY001 | sev1 | 2026-03-20 13:00   | 03-20 10:00      | no: today      | 60 s  |

The fixture's incidents in the period (merged Q1PAYMNT03 apart, Q1PAYMNT04 of January out):
Q1PAYMNT01 (tta 120 s), Q1PAYMNT02 (600), Q2BILLNG01 (600), Q3BILLNG02 (open, no ack),
Q0PAYMNT05 (no ack), 0a1b-og-01 (1200), 0a1b-og-02 (300) = 7; with Q2FIRST001, 8 incidents.
MTTA = (120 + 600 + 600 + 1200 + 300) / 5 = 2820 / 5 = 564 s = 9 min 24 s. (Counting today,
as the app once did, would give 9 incidents and (2820 + 60) / 6 = 480 s.)
"""

from __future__ import annotations

import json
from pathlib import Path

import app_fixture as fx
import pytest
from exporter_fixture import AS_OF, build_warehouse, config_toml, publish_fixture
from payloads import pd_incident, pd_log

from opskpi.app.cli.main import main
from opskpi.app.i18n.translator import Translator
from opskpi.metrics.exporter.snapshot_kpis import read_snapshot
from opskpi.metrics.snapshot import open_snapshot

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

AS_OF_TEXT = AS_OF.isoformat()
PT = Translator("pt-BR")


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = Path(tmp_path_factory.mktemp("default_period"))
    wh = build_warehouse()
    wh.land(
        "pagerduty",
        "incident",
        [
            pd_incident(
                "Q2FIRST001", "2026-02-20T12:00:00Z", priority="P2", resolved_at="2026-02-20T13:00Z"
            ),
            pd_incident(
                "Q2EVE00001", "2026-02-20T02:30:00Z", priority="P2", resolved_at="2026-02-20T03:00Z"
            ),
            pd_incident("Q1TODAY001", "2026-03-20T13:00:00Z", resolved_at="2026-03-20T13:20Z"),
        ],
    )
    wh.land(
        "pagerduty",
        "log_entry",
        [
            pd_log("LEVE", "Q2EVE00001", "acknowledge_log_entry", "2026-02-20T02:30:10Z"),
            pd_log("LTODAY", "Q1TODAY001", "acknowledge_log_entry", "2026-03-20T13:01:00Z"),
        ],
    )
    wh.build()
    warehouse = directory / "opskpi.duckdb"
    publish_fixture(wh, directory / "opskpi.serving.duckdb")
    path = directory / "opskpi.toml"
    path.write_text(config_toml(warehouse))
    return path


def cli_json(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code = main(["kpis", "--config", str(config), "--json", "--as-of", AS_OF_TEXT, *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    result: dict = json.loads(out)
    return result


def test_the_cli_default_is_the_28_full_days_before_today(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = cli_json(config, capsys)
    assert (report["since"], report["until"]) == ("2026-02-20", "2026-03-20")
    pooled = report["response_times"][-1]
    assert (pooled["severity"], pooled["incidents"]) == ("all", 8)
    assert pooled["tta_seconds"]["mean"] == 564.0


def test_the_exporter_windows_are_the_same_periods(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    con = open_snapshot(config.parent / "opskpi.serving.duckdb")
    try:
        windows = {w.window: w.report.to_json() for w in read_snapshot(con, AS_OF).windows}
    finally:
        con.close()
    assert windows["28d"] == cli_json(config, capsys)
    # 7d: the 7 full days before today, [03-13, 03-20), as --since 2026-03-13 gives
    assert windows["7d"] == cli_json(config, capsys, "--since", "2026-03-13")
    assert windows["7d"]["since"] == "2026-03-13"


def test_the_app_default_shows_the_same_numbers_and_says_which_days(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    report = cli_json(config, capsys)
    pooled, releases = report["response_times"][-1], report["releases"]
    at = fx.app_test(config, monkeypatch, {"as_of": AS_OF_TEXT})
    assert not at.exception
    assert at.sidebar.selectbox(key="flt_period").value == "28d"
    header = fx.captions_of(at)[0]
    assert header.startswith("28 dias completos: 20/02/2026 – 19/03/2026 (America/Sao_Paulo)")
    shown = fx.metrics_of(at)
    assert shown["Incidentes"] == PT.num(pooled["incidents"]) == "8"
    assert shown["MTTA"] == PT.dur(pooled["tta_seconds"]["mean"]) == "9 min 24 s"
    assert shown["MTTR"] == PT.dur(pooled["ttr_seconds"]["mean"])
    assert shown["Taxa de falha de mudança"] == PT.pct(releases["change_failure_rate"])
    assert shown["Aderência RCA"] == PT.pct(report["rca"]["rca_adherence"])


def test_the_weekly_report_default_week_matches_the_cli(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the report's default: the last full ISO week before today (03-20 is a Friday of W12)
    # → W11 = [2026-03-09, 2026-03-16); its incidents: Q1PAYMNT02 (03-10, tta 600),
    # Q0PAYMNT05 (03-15, no ack) → 2 incidents, MTTA 600 s = 10 min; the week before, W10
    # [03-02, 03-09), holds 0a1b-og-02 (03-02 07:00 local) → 1, change +1
    week = cli_json(config, capsys, "--since", "2026-03-09", "--until", "2026-03-16")
    assert week["response_times"][-1]["incidents"] == 2
    code = main(["report", "--config", str(config), "--as-of", AS_OF_TEXT])
    text, err = capsys.readouterr()
    assert code == 0, err
    assert "— 2026-W11" in text.splitlines()[0]
    lines = text.splitlines()
    assert "| Incidentes | 2 | 1 | +1 | +0 mesclados (fora da contagem) | — |" in lines
    assert any(line.startswith("| MTTA (média) | 10 min |") for line in lines)
