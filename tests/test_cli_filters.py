"""Filter values the snapshot does not know are refused: ``opskpi kpis`` and ``opskpi report``
exit 2 with one line naming the value and the known ones (never empty tables).

The warehouse is tests/app_fixture.py's: services checkout-api (team Payments), obras-api
(Obras), notificacoes (Plataforma); PagerDuty and Opsgenie incidents of severities sev1..sev4.
Known values: severities and sources from the vocabulary plus the incidents', services and
teams from the incidents plus the config.
"""

from __future__ import annotations

import json
from pathlib import Path

import app_fixture as fx
import pytest

from opskpi.app.cli.main import main

WEEK = ["--since", "2026-03-02", "--until", "2026-03-09", "--as-of", fx.AS_OF_PARAM]


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = Path(tmp_path_factory.mktemp("cli_filters"))
    fx.build_fixture(directory)
    return directory / "opskpi.toml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        (
            "--team",
            "Nope",
            "opskpi kpis: --team: unknown team 'Nope' (known: Obras, Payments, Plataforma)",
        ),
        (
            "--severity",
            "sev9",
            "opskpi kpis: --severity: unknown severity 'sev9' "
            "(known: sev1, sev2, sev3, sev4, unknown)",
        ),
        (
            "--service",
            "checkout",
            "opskpi kpis: --service: unknown service 'checkout' "
            "(known: checkout-api, notificacoes, obras-api)",
        ),
        (
            "--source",
            "datadog",
            # every source of the vocabulary is known, JSM Operations included (issue 15)
            "opskpi kpis: --source: unknown source 'datadog' (known: jsm, opsgenie, pagerduty)",
        ),
    ],
)
def test_kpis_refuses_an_unknown_filter_value(
    config: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    code, out, err = run(capsys, "kpis", "--config", str(config), *WEEK, option, value)
    assert code == 2 and out == ""
    assert err == message + "\n"


def test_every_unknown_value_is_named_on_the_one_line(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--team", "Payments", "--team", "Nope", "--severity", "sev9"]
    code, _, err = run(capsys, "kpis", "--config", str(config), *WEEK, *args)
    assert code == 2 and err.count("\n") == 1
    assert "'Nope'" in err and "'sev9'" in err and "'Payments'" not in err


def test_report_refuses_an_unknown_filter_value(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "report", "--config", str(config), "--week", fx.WEEK, "--team", "Nope"
    )
    assert code == 2 and out == ""
    assert (
        err == "opskpi report: --team: unknown team 'Nope' (known: Obras, Payments, Plataforma)\n"
    )


def test_known_values_still_narrow(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # W10, team Obras (incidents PW10C, PW10D, PW10F; app obras-api-prod): deploys #7 (03-04)
    # and #9 (03-05), #9 with PW10D in its window → change failure rate 1/2
    code, out, err = run(
        capsys, "kpis", "--config", str(config), *WEEK, "--json", "--team", "Obras"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["response_times"][-1]["incidents"] == 3
    releases = report["releases"]
    assert (releases["deploys"], releases["deploys_with_incident"]) == (2, 1)
    assert err == ""  # every app maps to one team: nothing to note


def test_the_table_says_the_scope_of_its_counts(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # no wrapping inside the table's cells
    code, out, _ = run(capsys, "kpis", "--config", str(config), *WEEK)
    assert code == 0
    assert "the period's incidents still open" in out
    assert "overdue actions due in the period (must-fix)" in out
