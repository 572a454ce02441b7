"""The Argo CD connector against the API simulator (a real HTTP server, no mocks).

Expected applications and deploys come from the simulator's organisation (its ground truth),
never from the JSON it serves. Retries sleep through an injected ``sleep``.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from opskpi.config import Settings, settings_from_dict
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import ConfigurationError, HttpError, ServerHttpError
from opskpi.etl.http import RetryPolicy
from opskpi.etl.sources.argocd import ArgoCDConnector
from opskpi.etl.sync import run_sync
from opskpi.etl.warehouse.build import build_models
from opskpi.etl.warehouse.connect import open_memory, open_writer
from opskpi.simulator import Organisation, SimulatorServer, SimulatorTokens, generate

pytestmark = pytest.mark.integration

TOKEN = "argocd-token-0b9e8d7c6a5f4e3d2c1b0a9f8e7d6c5b"
T0 = datetime(2026, 1, 20, tzinfo=UTC)
_run_ids = itertools.count(1)


@pytest.fixture(scope="module")
def org() -> Organisation:
    # busy enough that apps on Argo CD's default history limit (10) outrun it in weeks
    return generate(7, datetime(2026, 3, 1, tzinfo=UTC), months=2, deploys_per_day=20)


@pytest.fixture
def server(org: Organisation) -> Iterator[SimulatorServer]:
    with SimulatorServer(org, tokens=SimulatorTokens(argocd=TOKEN), now=T0) as sim:
        yield sim


def make_settings(tmp_path: Path, base_url: str, token: str = TOKEN, **extra: Any) -> Settings:
    (tmp_path / "argocd.token").write_text(token + "\n")
    source = {"base_url": base_url, "token_file": "argocd.token", "timeout": "0.5s", **extra}
    return settings_from_dict({"sources": {"argocd": source}}, base_dir=tmp_path, origin="test")


def sync(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    server: SimulatorServer,
    slept: list[float],
) -> SyncContext:
    ctx = SyncContext(
        con=con,
        settings=settings,
        source="argocd",
        run_id=next(_run_ids),
        full=False,
        started_at=datetime.now(UTC),
        now=lambda: server.now,
    )
    server.reset_counts()
    ArgoCDConnector(settings, retry=RetryPolicy(sleep=slept.append)).sync(ctx)
    return ctx


# -- ground truth --------------------------------------------------------------------------------
def apps_at(org: Organisation, now: datetime, projects: set[str] | None = None) -> set[str]:
    return {
        a.name
        for a in org.apps
        if a.created_at <= now and (projects is None or a.project in projects)
    }


def history_keys(org: Organisation, now: datetime, apps: set[str]) -> set[str]:
    """``{app}/{id}`` of the history Argo CD shows at ``now``: the last N deploys per app."""
    keys = set()
    for app in org.apps:
        if app.name not in apps:
            continue
        done = sorted(d.id for d in org.deploys if d.app == app.name and d.deployed_at <= now)
        keys |= {f"{app.name}/{i}" for i in done[-app.effective_history_limit :]}
    return keys


def landed(con: duckdb.DuckDBPyConnection, object_type: str) -> dict[str, Any]:
    rows = con.execute(
        "select object_id, parent_id, payload from raw_objects "
        "where source = 'argocd' and object_type = ? and deleted_at is null",
        [object_type],
    ).fetchall()
    return {oid: (parent, json.loads(payload)) for oid, parent, payload in rows}


def raw_table(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute("select * from raw_objects order by all").fetchall()


# -- tests ---------------------------------------------------------------------------------------
def test_full_sync_lands_every_application_and_history_entry(
    con: duckdb.DuckDBPyConnection,
    org: Organisation,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    ctx = sync(con, make_settings(tmp_path, server.argocd_url), server, slept)
    apps = apps_at(org, T0)
    assert set(landed(con, "application")) == apps
    entries = landed(con, "history_entry")
    assert set(entries) == history_keys(org, T0, apps)
    assert all(key == f"{parent}/{payload['id']}" for key, (parent, payload) in entries.items())
    assert ctx.requests == 1 == server.request_counts()["total"]


def test_a_failed_sync_stays_in_the_application_never_in_the_history(
    con: duckdb.DuckDBPyConnection,
    org: Organisation,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    failed = next(
        f
        for f in org.failed_syncs
        if all(
            not f.started_at <= d.started_at <= f.finished_at for d in org.deploys if d.app == f.app
        )
    )
    server.set_now(failed.finished_at)
    sync(con, make_settings(tmp_path, server.argocd_url), server, slept)
    _, app = landed(con, "application")[failed.app]
    state = app["status"]["operationState"]
    assert (state["phase"], state["operation"]["sync"]["revision"]) == ("Failed", failed.revision)
    history = {k for k, (parent, _) in landed(con, "history_entry").items() if parent == failed.app}
    assert history == history_keys(org, failed.finished_at, {failed.app})  # deploys only
    build_models(con, settings=make_settings(tmp_path, server.argocd_url))
    assert con.execute(
        "select phase, revision from deploy_failures where app = ?", [failed.app]
    ).fetchall() == [("Failed", failed.revision)]


def test_projects_and_selector_are_sent(
    con: duckdb.DuckDBPyConnection,
    org: Organisation,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    projects = sorted({a.project for a in org.apps})[:2]
    settings = make_settings(tmp_path, server.argocd_url, projects=projects)
    sync(con, settings, server, slept)
    assert set(landed(con, "application")) == apps_at(org, T0, set(projects))
    service = org.apps[0].service
    con.execute("delete from raw_objects")
    sync(
        con,
        make_settings(tmp_path, server.argocd_url, selector=f"service={service}"),
        server,
        slept,
    )
    assert set(landed(con, "application")) == {
        a.name for a in org.apps if a.service == service and a.created_at <= T0
    }


def test_second_run_without_upstream_change_changes_nothing(
    con: duckdb.DuckDBPyConnection, server: SimulatorServer, slept: list[float], tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, server.argocd_url)
    sync(con, settings, server, slept)
    before = raw_table(con)
    ctx = sync(con, settings, server, slept)
    assert raw_table(con) == before
    assert sum(r.changed for r in ctx.totals.values()) == 0
    assert ctx.requests == 1


def test_history_truncation_keeps_landed_entries_and_the_marts_show_the_gap(
    con: duckdb.DuckDBPyConnection,
    org: Organisation,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, server.argocd_url)
    sync(con, settings, server, slept)
    t1 = server.advance(timedelta(days=40))
    small = [a for a in org.apps if a.history_limit is None]  # Argo CD's default: 10
    between = {
        a.name: [d for d in org.deploys if d.app == a.name and T0 < d.deployed_at <= t1]
        for a in small
    }
    assert any(len(d) > a.effective_history_limit for a in small for d in [between[a.name]])
    sync(con, settings, server, slept)
    apps = apps_at(org, t1)
    seen = history_keys(org, T0, apps_at(org, T0)) | history_keys(org, t1, apps)
    assert set(landed(con, "history_entry")) == seen  # nothing that left the API was dropped

    build_models(con, settings)
    gaps = con.execute(
        "select app, last_seen_id, next_seen_id, lost_deploys from argocd_history_gaps order by all"
    ).fetchall()
    expected = []
    for app in sorted(apps):
        ids = sorted(int(k.split("/")[1]) for k in seen if k.split("/")[0] == app)
        expected += [(app, a, b, b - a - 1) for a, b in itertools.pairwise(ids) if b - a > 1]
    assert gaps == sorted(expected)
    assert gaps, "more deploys than revisionHistoryLimit between two syncs leave a gap"
    lost = {app: n for app, _, _, n in gaps}
    for app in small:
        if app.name in lost:
            assert lost[app.name] == len(between[app.name]) - app.effective_history_limit


def test_faults_are_retried_and_the_run_completes(
    con: duckdb.DuckDBPyConnection,
    org: Organisation,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    path = r"/argocd/api/v1/applications$"
    server.add_fault(path=path, kind="rate_limit", count=1, retry_after=1)
    server.add_fault(path=path, kind="status", status=502, count=1)
    server.add_fault(path=path, kind="drop", count=1)
    server.add_fault(path=path, kind="delay", delay=1.5, count=1)  # longer than the timeout
    ctx = sync(con, make_settings(tmp_path, server.argocd_url), server, slept)
    assert set(landed(con, "application")) == apps_at(org, T0)
    assert ctx.requests == 5 == server.request_counts()["total"]
    assert len(slept) == 4
    assert 1 <= slept[0] <= 1.5  # Retry-After


def test_persistent_5xx_fails_with_a_server_error(
    con: duckdb.DuckDBPyConnection, server: SimulatorServer, slept: list[float], tmp_path: Path
) -> None:
    server.add_fault(path=r"/applications$", kind="status", status=500, count=100)
    with pytest.raises(ServerHttpError) as info:
        sync(con, make_settings(tmp_path, server.argocd_url), server, slept)
    assert str(info.value).startswith(
        f"argocd: GET {server.argocd_url}/api/v1/applications: status 500: "
    )
    assert con.execute("select count(*) from raw_objects").fetchone() == (0,)


def test_a_malformed_history_entry_is_rejected_and_the_rest_lands(
    con: duckdb.DuckDBPyConnection,
    org: Organisation,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    server.add_fault(path=r"/applications$", kind="malformed", malformed="missing_id", record=0)
    sync(con, make_settings(tmp_path, server.argocd_url), server, slept)
    apps = apps_at(org, T0)
    first = next(a.name for a in org.apps if a.name in apps)  # the simulator lists in org order
    expected = history_keys(org, T0, apps)
    broken = max(
        (k for k in expected if k.startswith(f"{first}/")), key=lambda k: int(k.split("/")[1])
    )
    assert set(landed(con, "history_entry")) == expected - {broken}
    assert set(landed(con, "application")) == apps
    rows = con.execute("select object_type, location, reason from raw_rejects").fetchall()
    assert len(rows) == 1
    object_type, location, reason = rows[0]
    assert (object_type, reason) == ("history_entry", "history_entry without id")
    assert location == f"{server.argocd_url}/api/v1/applications (application {first})"


def test_ca_bundle_is_verified_by_path(
    con: duckdb.DuckDBPyConnection, server: SimulatorServer, slept: list[float], tmp_path: Path
) -> None:
    missing = make_settings(tmp_path, server.argocd_url, ca_bundle="missing-ca.pem")
    with pytest.raises(ConfigurationError, match="ca_bundle"):
        sync(con, missing, server, slept)
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    settings = make_settings(tmp_path, server.argocd_url, ca_bundle="ca.pem")
    ctx = SyncContext(con, settings, "argocd", 1, False, T0)
    with ArgoCDConnector(settings).client(ctx) as client:
        assert client.session.verify == str(tmp_path / "ca.pem")


def test_the_token_appears_nowhere(
    server: SimulatorServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = make_settings(tmp_path, server.argocd_url)
    con = open_writer(tmp_path / "warehouse.duckdb")
    try:
        assert run_sync(settings, con=con, now=lambda: server.now).ok
        server.add_fault(path=r"/applications$", kind="status", status=501, count=1)
        failed = run_sync(settings, con=con, now=lambda: server.now)
        assert "status 501" in (failed.results[0].error or "")
        build_models(con, settings)
        columns = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where data_type in ('VARCHAR', 'JSON') or data_type like '%[]' "
            "or data_type like 'STRUCT%' or data_type like 'MAP%'"
        ).fetchall()
        assert ("sync_runs", "error") in columns
        for table, column in columns:
            hits = con.execute(
                f'select count(*) from "{table}" where cast("{column}" as varchar) like ?',
                [f"%{TOKEN[8:]}%"],
            ).fetchone()
            assert hits == (0,), f"{table}.{column}"
    finally:
        con.close()
    (tmp_path / "other").mkdir()
    wrong = make_settings(tmp_path / "other", server.argocd_url, token=TOKEN + "x")
    with pytest.raises(HttpError) as info:
        ArgoCDConnector(wrong).sync(SyncContext(open_memory(), wrong, "argocd", 1, False, T0))
    assert info.value.status == 401
    assert f"Argo CD at {server.argocd_url} did not accept the token" in str(info.value)
    out, err = capsys.readouterr()
    for text in (str(info.value), repr(info.value), caplog.text, out, err):
        assert TOKEN[8:] not in text
