"""The JSM Operations connector under the rules every source follows (docs/operations.md,
docs/architecture.md): credentials never over plain http off loopback (``base_url`` and
``site``, the refusal naming the key, before any request); a source status in
``opskpi kpis --json``; a failed run leaves JSM's last successful data published while the other
sources move on; a rejected alert is fetched again on the next run.

``opskpi sync`` runs in this process against the simulator (a real HTTP server); the retry
policy's waits are skipped (the policy is the default one otherwise). Expected records come from
the simulator's own (``server.world.jsm``), never from what it served."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from opskpi.app.cli.main import main
from opskpi.config import Settings, settings_from_dict
from opskpi.etl.http import factory
from opskpi.etl.http.policy import RetryPolicy
from opskpi.etl.sync import run_sync
from opskpi.etl.warehouse.connect import open_memory, open_writer
from opskpi.etl.warehouse.sync_state import load_state
from opskpi.simulator import Organisation, SimulatorServer, generate
from opskpi.simulator import jsm as jsmsim
from opskpi.simulator.generate import GenerateParams

pytestmark = pytest.mark.integration

SECRET = "s3cr3t-t0ken-value-1234"
EMAIL = "ops-bot@example.com"


# -- https ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("section", "key", "url"),
    [
        (
            {"base_url": "http://api.atlassian.invalid", "cloud_id": "c0ffee"},
            "sources.jsm.base_url",
            "http://api.atlassian.invalid",
        ),
        # the site answers the cloud id the credential is sent under: https too
        (
            {"site": "http://acme.atlassian.invalid"},
            "sources.jsm.site",
            "http://acme.atlassian.invalid",
        ),
        # both plain: the one that would carry the credential is named first
        (
            {"base_url": "http://api.atlassian.invalid", "site": "http://acme.atlassian.invalid"},
            "sources.jsm.base_url",
            "http://api.atlassian.invalid",
        ),
    ],
)
def test_a_plain_http_base_url_or_site_off_loopback_is_refused_naming_the_key(
    section: dict[str, str], key: str, url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPSKPI_TEST_JSM_EMAIL", EMAIL)
    monkeypatch.setenv("OPSKPI_TEST_JSM_TOKEN", SECRET)
    jsm = {"email_env": "OPSKPI_TEST_JSM_EMAIL", "api_token_env": "OPSKPI_TEST_JSM_TOKEN"}
    settings = settings_from_dict(
        {"sources": {"jsm": {**jsm, **section}}}, base_dir=tmp_path, origin="opskpi.toml"
    )
    report = run_sync(settings, con=open_memory())
    [result] = report.results
    assert result.status == "failed"
    assert result.error == (
        f"{key}: expected an https:// URL (http:// only on 127.0.0.1/localhost), got '{url}'; "
        "credentials are never sent over plain http to another host"
    )
    assert result.counts["requests"] == 0
    assert SECRET not in (result.error or "") and EMAIL not in (result.error or "")


# -- against the simulator -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def org() -> Organisation:
    # the CLI plans its windows on the real clock: the organisation ends this hour; the Opsgenie
    # account moved to JSM halfway
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    params = GenerateParams(seed=29, end=end, months=1)
    at = jsmsim.mid_period(params.start_utc, params.end_utc, "America/Sao_Paulo")
    return generate(29, end, months=1, opsgenie_share=0.5, jsm_migration_at=at)


@pytest.fixture
def sim(org: Organisation) -> Iterator[SimulatorServer]:
    with SimulatorServer(org) as server:
        yield server


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default retry table, without sleeping through its backoffs."""
    monkeypatch.setattr(factory, "RetryPolicy", lambda: RetryPolicy(sleep=lambda _: None))


def write_secrets(folder: Path, sim: SimulatorServer) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pd.token").write_text(sim.tokens.pagerduty + "\n", encoding="utf-8")
    (folder / "jsm.email").write_text(sim.tokens.jsm_email + "\n", encoding="utf-8")
    (folder / "jsm.token").write_text(sim.tokens.jsm_api_token + "\n", encoding="utf-8")


def jsm_section(sim: SimulatorServer) -> dict[str, str]:
    return {
        "base_url": sim.jsm_url,
        "site": sim.jsm_site_url,
        "email_file": "jsm.email",
        "api_token_file": "jsm.token",
        "timeout": "2s",
    }


def write_config(folder: Path, sim: SimulatorServer) -> Path:
    write_secrets(folder, sim)
    jsm = "".join(f'{k} = "{v}"\n' for k, v in jsm_section(sim).items())
    config = folder / "opskpi.toml"
    config.write_text(
        "[warehouse]\n"
        'path = "opskpi.duckdb"\n'
        "[sources.pagerduty]\n"
        f'base_url = "{sim.pagerduty_url}"\n'
        'token_file = "pd.token"\n'
        'timeout = "2s"\n'
        f"[sources.jsm]\n{jsm}"
        "[sync]\n"
        'initial_lookback = "40d"\n',
        encoding="utf-8",
    )
    return config


def published(config: Path, query: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(config.parent / "opskpi.serving.duckdb"), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def landed_count(config: Path, source: str) -> int:
    con = duckdb.connect(str(config.parent / "opskpi.duckdb"), read_only=True)
    try:
        rows = con.execute("select count(*) from raw_objects where source = ?", [source])
        return int(rows.fetchall()[0][0])
    finally:
        con.close()


def kpis_sources(
    config: Path, as_of: datetime, capsys: pytest.CaptureFixture[str]
) -> dict[str, dict[str, Any]]:
    assert main(["kpis", "--config", str(config), "--json", "--as-of", as_of.isoformat()]) == 0
    report = json.loads(capsys.readouterr().out)
    return {s["source"]: s for s in report["sources"]}


def sync_cli(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["sync", "--config", str(config)])
    return code, capsys.readouterr().err


JSM_INCIDENTS = (
    "select incident_key, acknowledged_at, resolved_at from incidents where source = 'jsm' "
    "order by incident_key"
)
JSM_INTERRUPTIONS = (
    "select incident_key, person_id, notified_at from interruptions where source = 'jsm' "
    "order by all"
)


def test_a_failed_jsm_run_leaves_its_last_data_and_says_so_while_pagerduty_moves_on(
    sim: SimulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    end = sim.now
    config = write_config(tmp_path / "wh", sim)
    sim.set_now(end - timedelta(days=5))  # the APIs as they were five days ago
    code, _ = sync_cli(config, capsys)
    assert code == 0
    jsm_before = published(config, JSM_INCIDENTS)
    pages_before = published(config, JSM_INTERRUPTIONS)
    pagerduty_before = published(
        config, "select count(*) from incidents where source = 'pagerduty'"
    )
    landed_before = landed_count(config, "jsm")
    assert len(jsm_before) > 10 and len(pages_before) > 10  # JSM alerts and their pages
    sources = kpis_sources(config, end - timedelta(days=5), capsys)
    assert list(sources) == ["pagerduty", "jsm"]  # in config order
    assert (sources["jsm"]["status"], sources["jsm"]["stale"]) == ("ok", False)

    sim.set_now(end)  # five more days; every JSM alert-log request loses its connection
    sim.add_fault(path=r"/jsm/ops/api/[^/]+/v1/alerts/[^/]+/logs$", kind="drop", count=1_000_000)
    code, err = sync_cli(config, capsys)
    assert code == 1 and "jsm: FAILED" in err
    assert published(config, JSM_INCIDENTS) == jsm_before
    assert published(config, JSM_INTERRUPTIONS) == pages_before
    assert landed_count(config, "jsm") == landed_before  # nothing of the failed run stays
    [[pagerduty_after]] = published(
        config, "select count(*) from incidents where source = 'pagerduty'"
    )
    assert pagerduty_after > pagerduty_before[0][0]  # PagerDuty's run published its five days
    sources = kpis_sources(config, end, capsys)
    assert (sources["pagerduty"]["status"], sources["pagerduty"]["stale"]) == ("ok", False)
    jsm = sources["jsm"]
    assert (jsm["status"], jsm["stale"]) == ("failed", True)
    assert jsm["last_success_at"] < jsm["last_failure_at"]
    assert "/logs" in jsm["last_error"]
    assert sim.tokens.jsm_api_token not in jsm["last_error"]

    sim.clear_faults()
    code, _ = sync_cli(config, capsys)
    assert code == 0
    after = published(config, JSM_INCIDENTS)
    assert {row[0] for row in jsm_before} < {row[0] for row in after}
    want = {f"jsm:{i.source_id}" for i in sim.world.jsm if i.created_at <= end}
    # every alert JSM holds, the imports included (no Opsgenie configured here, no cutover)
    assert {row[0] for row in after} == want
    assert kpis_sources(config, end, capsys)["jsm"]["status"] == "ok"


# -- rejects ---------------------------------------------------------------------------------------
def jsm_settings(tmp_path: Path, sim: SimulatorServer) -> Settings:
    write_secrets(tmp_path, sim)
    return settings_from_dict(
        {
            "warehouse": {"path": "wh.duckdb"},
            "sources": {"jsm": jsm_section(sim)},
            "sync": {"initial_lookback": "40d", "lookback": "7d"},
        },
        base_dir=tmp_path,
        origin="test",
    )


def jsm_alert_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select object_id from raw_objects where source = 'jsm' and object_type = 'alert'"
    ).fetchall()
    return {r[0] for r in rows}


def test_a_rejected_jsm_alert_lands_on_the_next_run(
    org: Organisation, sim: SimulatorServer, tmp_path: Path
) -> None:
    end = sim.now
    first = end - timedelta(days=10)
    settings = jsm_settings(tmp_path, sim)
    con = open_writer(tmp_path / "wh.duckdb")
    try:

        def sync() -> None:
            report = run_sync(settings, con=con, now=lambda: sim.now)
            assert report.ok, report.results

        sim.set_now(first)
        sync()
        seen = jsm_alert_ids(con)
        # the second run lists createdAt in [first - lookback, end), oldest first: the first
        # alert it has not seen is on the first page, at this place
        since = first - timedelta(days=7)
        listed = sorted(
            (
                i
                for i in sim.world.jsm
                if since <= i.created_at < end and jsmsim.inserted_at(org, i) <= end
            ),
            key=lambda i: (i.created_at, i.number),
        )
        place = next(n for n, i in enumerate(listed) if i.source_id not in seen)
        new = listed[place]
        assert place < 100 and new.created_at < end - timedelta(days=7)  # beyond the lookback

        sim.set_now(end)
        sim.add_fault(
            path=r"/jsm/ops/api/[^/]+/v1/alerts$",
            kind="malformed",
            malformed="missing_id",
            record=place,
        )
        sync()
        assert new.source_id not in jsm_alert_ids(con)
        rejects = con.execute(
            "select object_type, reason, attempts from raw_rejects where source = 'jsm'"
        ).fetchall()
        assert rejects == [("alert", "alert without an id", 1)]
        state = load_state(con, "jsm", "alerts")
        assert state is not None and state.watermark == first  # held: the window is read again

        sync()  # no fault: an incremental run from the held watermark lists it again
        assert new.source_id in jsm_alert_ids(con)
        assert con.execute("select count(*) from raw_rejects where source = 'jsm'").fetchall() == [
            (0,)
        ]
        state = load_state(con, "jsm", "alerts")
        assert state is not None and state.watermark == end
    finally:
        con.close()
