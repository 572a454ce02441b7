"""Tokens never leave their files: a sync with recognisable tokens (accepted, then refused) and
the tokens are nowhere in the logs, the exceptions and errors, stdout/stderr, any text column of
any table of the warehouse or of the published snapshot."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from opskpi.app.cli.demo import prepare_folder
from opskpi.app.cli.main import main
from opskpi.config import load_settings, settings_from_dict
from opskpi.etl.sync import run_sync
from opskpi.simulator import Organisation, SimulatorServer, SimulatorTokens, generate

pytestmark = pytest.mark.integration

TOKENS = SimulatorTokens(
    pagerduty="pd-Secret-7Q2w9E4r6T1y",
    opsgenie="og-Secret-3U8i5O0p2A7s",
    argocd="argo-Secret-9D4f6G1h3J5k",
)
WRONG = {
    "pagerduty.token": "pd-Refused-6Z1x8C3v5B0n",
    "opsgenie.key": "og-Refused-2M7q4W9e1R6t",
    "argocd.token": "argo-Refused-8Y3u5I0o2P4a",
}
SECRETS = [TOKENS.pagerduty, TOKENS.opsgenie, TOKENS.argocd, *WRONG.values()]


@pytest.fixture(scope="module")
def org() -> Organisation:
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return generate(31, end, months=1)


@pytest.fixture
def sim(org: Organisation) -> Iterator[SimulatorServer]:
    with SimulatorServer(org, tokens=TOKENS) as server:
        yield server


def texts_of_tables(path: Path) -> Iterator[tuple[str, str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        for (table,) in con.execute("select table_name from duckdb_tables()").fetchall():
            for row in con.execute(f'select * from "{table}"').fetchall():
                for value in row:
                    if value is not None:
                        yield table, str(value)
    finally:
        con.close()


def assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a token leaked into {where}"
        assert secret[-12:] not in text, f"part of a token leaked into {where}"


def test_tokens_appear_nowhere(
    org: Organisation,
    sim: SimulatorServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    config = prepare_folder(tmp_path, sim, org, 8501, 9464)

    assert main(["sync", "--config", str(config)]) == 0  # accepted tokens
    for name, value in WRONG.items():
        (tmp_path / "secrets" / name).write_text(value + "\n")
    assert main(["sync", "--config", str(config), "--full"]) == 1  # refused tokens
    report = run_sync(load_settings(config))
    assert report.failed == ["pagerduty", "opsgenie", "argocd"]

    out, err = capsys.readouterr()
    assert "FAILED" in err
    assert "*5B0n" in err  # the PagerDuty error names the token by its last four characters
    assert_no_secret("stdout", out)
    assert_no_secret("stderr", err)
    assert_no_secret("the logs", caplog.text)
    assert_no_secret("the report", repr(report))
    for result in report.results:
        assert_no_secret(f"the {result.source} error", result.error or "")
    assert "HTTP Request" in caplog.text  # the client's own logging was captured too

    checked = 0
    for path in (tmp_path / "opskpi.duckdb", tmp_path / "opskpi.serving.duckdb"):
        for table, text in texts_of_tables(path):
            assert_no_secret(f"table {table} of {path.name}", text)
            checked += 1
        raw = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in raw
    assert checked > 10_000


def test_a_failed_source_s_error_is_scrubbed_of_every_configured_secret(
    sim: SimulatorServer, tmp_path: Path
) -> None:
    """Defence in depth in ``run_sync``: Opsgenie's client redacts its own key, not the
    PagerDuty token, which here sits in Opsgenie's (misconfigured) base URL; the error kept in
    ``sync_runs`` shows it by its last four characters only."""
    (tmp_path / "pd.token").write_text(TOKENS.pagerduty)
    (tmp_path / "og.key").write_text(TOKENS.opsgenie)
    settings = settings_from_dict(
        {
            "sources": {
                "pagerduty": {"base_url": sim.pagerduty_url, "token_file": "pd.token"},
                "opsgenie": {"base_url": f"{sim.url}/{TOKENS.pagerduty}", "api_key_file": "og.key"},
            },
            "warehouse": {"path": "w.duckdb"},
        },
        base_dir=tmp_path,
        origin="test",
    )
    report = run_sync(settings, sources=["opsgenie"])
    error = report.results[0].error or ""
    # "pd-Secret-7Q2w9E4r6T1y" → "*6T1y"; the simulator answers 404 outside its three APIs
    assert error.startswith(f"opsgenie: GET {sim.url}/*6T1y/v2/teams: status 404: ")
    assert_no_secret("the opsgenie error", error)
