"""Build the models (staging → intermediate → marts → health) in the warehouse, then publish
the serving snapshot that every reader opens.

The config becomes small ``cfg_*`` tables first, so the SQL joins the policy (targets, windows,
severity map, service ↔ app mapping, business-day calendar) instead of having it formatted in;
so does the vocabulary (``opskpi.config.vocabulary``: severity order, taxonomy, action status
spellings).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import holidays
import pandas as pd

from opskpi import sql
from opskpi.config import Settings
from opskpi.config.vocabulary import (
    ACTION_STATUS_SPELLINGS,
    INCIDENT_SOURCES,
    ROOT_CAUSES,
    SEVERITIES,
    severity_rank,
)
from opskpi.etl.warehouse.connect import open_writer
from opskpi.sql.session import scalar

VIEW_LAYERS = ("staging", "intermediate")


@dataclass(frozen=True)
class BuildResult:
    models: int
    seconds: float
    incidents: int
    deploys: int


def calendar_frame(country: str, first_year: int, last_year: int) -> pd.DataFrame:
    """Every day with its business-day flag and running count of business days.

    ``business_day_seq`` lets SQL find "the N-th business day after day d" as the business day
    whose seq equals seq(d) + N.
    """
    days = pd.date_range(date(first_year, 1, 1), date(last_year, 12, 31), freq="D")
    off = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    is_business = [(d.weekday() < 5) and (d.date() not in off) for d in days]
    frame = pd.DataFrame({"day": days.date, "is_business_day": is_business})
    frame["business_day_seq"] = frame["is_business_day"].cumsum().astype("int64")
    frame["holiday_name"] = [off.get(d.date()) for d in days]
    return frame


def oncall_frames(settings: Settings) -> dict[str, pd.DataFrame]:
    """``cfg_oncall`` (the interruption classes' hours, docs/kpis.md §10, and the sleep-hour share
    the alert rule compares with) and ``cfg_noise`` (the flap window, §11): one row each."""
    oncall, noise = settings.model.oncall, settings.model.noise
    return {
        "cfg_oncall": pd.DataFrame(
            [
                {
                    "business_start_second": oncall.business_hours.start,
                    "business_end_second": oncall.business_hours.end,
                    "sleep_start_second": oncall.sleep_hours.start,
                    "sleep_end_second": oncall.sleep_hours.end,
                    "sleep_hours_share_threshold": oncall.sleep_hours_share_threshold,
                }
            ]
        ),
        "cfg_noise": pd.DataFrame([{"flap_window_seconds": noise.flap_window.seconds}]),
    }


def load_config_tables(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """(Re)create the ``cfg_*`` tables from the settings."""
    model = settings.model
    og = model.sources.opsgenie
    jsm = model.sources.jsm
    frames: dict[str, pd.DataFrame] = {
        "cfg_policy": pd.DataFrame(settings.policy_rows()).astype(
            {
                "ack_target_seconds": "float64",
                "resolve_target_seconds": "float64",
                "postmortem_window_seconds": "float64",
                "postmortem_window_business_days": "Int64",
            }
        ),
        "cfg_settings": pd.DataFrame(
            [
                {
                    "timezone": model.report.timezone,
                    "holidays": model.report.holidays,
                    "language": model.report.language,
                    "paging_timeout_seconds": model.policy.paging_escalation_timeout.seconds,
                    "release_window_seconds": model.policy.release_window.seconds,
                    "taxonomy_pagerduty_field": model.taxonomy.pagerduty_field,
                    "taxonomy_opsgenie_prefix": model.taxonomy.opsgenie_tag_prefix,
                    "release_pagerduty_field": model.releases.pagerduty_field,
                    "release_opsgenie_prefix": model.releases.opsgenie_tag_prefix,
                    "opsgenie_web_url": (og.web_url.rstrip("/") if og and og.web_url else None),
                    # JSM Operations (docs/migration-opsgenie-to-jsm.md)
                    "jsm_web_url": (jsm.site.rstrip("/") if jsm and jsm.site else None),
                    "jsm_cutover_at": (
                        jsm.cutover_at(model.report.timezone) if jsm is not None else None
                    ),
                    "jsm_pair_window_seconds": (
                        jsm.pair_window.seconds if jsm is not None else None
                    ),
                }
            ]
        ).astype(
            {
                "jsm_web_url": "string",
                "jsm_cutover_at": "datetime64[ns, UTC]",
                "jsm_pair_window_seconds": "float64",
            }
        ),
        "cfg_severity_map": pd.DataFrame(
            [
                {"source": source, "field": field, "value": value, "severity": severity}
                for source in INCIDENT_SOURCES
                for field in ("priority", "urgency")
                for value, severity in settings.severity_map(source, field).items()
            ],
            columns=["source", "field", "value", "severity"],
        ),
        "cfg_taxonomy": pd.DataFrame(
            [
                {"key": cause.key, "label": model.taxonomy.labels[cause.key], "position": i}
                for i, cause in enumerate(ROOT_CAUSES)
            ]
        ),
        "cfg_severities": pd.DataFrame(
            [{"severity": severity, "rank": severity_rank(severity)} for severity in SEVERITIES]
        ),
        "cfg_action_statuses": pd.DataFrame(
            [
                {"spelling": spelling, "status": status}
                for status, spellings in ACTION_STATUS_SPELLINGS.items()
                for spelling in spellings
            ]
        ),
        "cfg_services": pd.DataFrame(
            [
                {"service": name, "team": svc.team, "runbook_url": svc.runbook_url}
                for name, svc in sorted(model.services.items())
            ],
            columns=["service", "team", "runbook_url"],
        ).astype("string"),
        "cfg_service_apps": pd.DataFrame(
            [
                {"service": name, "app": app}
                for name, svc in sorted(model.services.items())
                for app in svc.argocd_apps
            ],
            columns=["service", "app"],
        ).astype("string"),
    }
    frames.update(oncall_frames(settings))
    # the sources the snapshot reports on (sql/health/source_status.sql)
    frames["cfg_sources"] = pd.DataFrame(
        [
            {
                "source": name,
                "position": i,
                "stale_after_seconds": model.sync.stale_after.seconds,
            }
            for i, name in enumerate(settings.configured_sources)
        ],
        columns=["source", "position", "stale_after_seconds"],
    ).astype({"source": "string", "position": "int64", "stale_after_seconds": "float64"})
    this_year = datetime.now(UTC).year
    frames["cfg_calendar"] = calendar_frame(model.report.holidays, 1990, this_year + 5)
    for name, frame in frames.items():
        con.register("cfg_frame", frame)
        try:
            con.execute(f"create or replace table {name} as select * from cfg_frame")
        finally:
            con.unregister("cfg_frame")


def build_models(con: duckdb.DuckDBPyConnection, settings: Settings) -> BuildResult:
    """Run every model in order inside one transaction: readers of this file (there are none
    but the writer) and the published snapshot only ever see a complete build."""
    started = time.perf_counter()
    con.execute("begin transaction")
    try:
        load_config_tables(con, settings)
        count = 0
        for layer, stem in sql.models():
            name = sql.model_table_name(stem)
            kind = "view" if layer in VIEW_LAYERS else "table"
            body = sql.read(f"{layer}/{stem}")
            try:
                con.execute(f"create or replace {kind} {name} as\n{body}")
            except duckdb.Error as exc:
                raise duckdb.Error(f"model sql/{layer}/{stem}.sql failed: {exc}") from exc
            count += 1
        con.execute(
            """
            create or replace table build_info as
            select now() as built_at,
                   (select max(version) from schema_migrations) as schema_version,
                   ? as config_origin,
                   ? as config_json
            """,
            [settings.origin, json.dumps(settings.model.model_dump(mode="json"), default=str)],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    incidents = scalar(con, "select count(*) from incidents")
    deploys = scalar(con, "select count(*) from deploys")
    return BuildResult(count, time.perf_counter() - started, incidents, deploys)


def publish(con: duckdb.DuckDBPyConnection, serving_path: Path) -> Path:
    """Copy the served tables into a new file and swap it in atomically (``os.replace``).

    Readers holding the old file keep reading it whole; new readers get the new one.
    """
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving_path.with_name(serving_path.name + f".tmp-{os.getpid()}")
    remove_stale_temp_files(serving_path)
    con.execute("attach ? as serving", [str(tmp)])
    try:
        for table in sql.SERVED_TABLES:
            con.execute(f"create table serving.{table} as select * from {table}")
        con.execute("checkpoint serving")
    finally:
        con.execute("detach serving")
    os.replace(tmp, serving_path)
    return serving_path


def remove_stale_temp_files(serving_path: Path) -> list[Path]:
    """Delete the temp files of publishes that were killed (``<snapshot>.tmp-<pid>`` and their
    ``.wal``). Only the one writer publishes (the warehouse's lock), so none is in use."""
    removed = []
    for leftover in serving_path.parent.glob(f"{serving_path.name}.tmp-*"):
        if re.fullmatch(r"\d+(\.wal)?", leftover.name.rsplit(".tmp-", 1)[1]):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return sorted(removed)


def build_and_publish(
    settings: Settings, con: duckdb.DuckDBPyConnection | None = None
) -> BuildResult:
    """Open the warehouse (unless given), build every model, publish the snapshot."""
    own = con is None
    if con is None:
        con = open_writer(
            settings.warehouse_path, memory_limit=settings.model.warehouse.memory_limit
        )
    try:
        result = build_models(con, settings)
        publish(con, settings.serving_path)
        return result
    finally:
        if own:
            con.close()
