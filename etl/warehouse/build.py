"""Build the models (staging → intermediate → marts → health) in the warehouse, then publish
the serving snapshot that every reader opens. A build is incremental when it can
(``etl/warehouse/incremental.py``: only what changed since the last build is re-modelled) and
full otherwise (``opskpi db build --full``, the first build, an upgrade); the publish copies only
what changed when it can (``etl/warehouse/publish.py``).

The config becomes small ``cfg_*`` tables first, so the SQL joins the policy (targets, windows,
severity map, service ↔ app mapping, business-day calendar) instead of having it formatted in;
so does the vocabulary (``opskpi.config.vocabulary``: severity order, taxonomy, action status
spellings).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib.metadata import version

import duckdb
import holidays
import pandas as pd

from opskpi.config import Settings
from opskpi.config.vocabulary import (
    ACTION_STATUS_SPELLINGS,
    INCIDENT_SOURCES,
    ROOT_CAUSES,
    SEVERITIES,
    severity_rank,
)
from opskpi.etl.warehouse.build_state import (
    BUILD_LOGIC,
    BuildState,
    current_mark,
    load_state,
    save_state,
)
from opskpi.etl.warehouse.connect import open_writer
from opskpi.etl.warehouse.incremental import (
    IncrementalBuild,
    ModelChanges,
    create_model,
    object_kind,
)
from opskpi.etl.warehouse.model_graph import load_models, text_fingerprint
from opskpi.etl.warehouse.publish import publish, publish_snapshot, remove_stale_temp_files
from opskpi.sql.session import current_version, scalar

__all__ = [
    "BuildResult",
    "build",
    "build_and_publish",
    "build_models",
    "load_config_tables",
    "publish",
    "remove_stale_temp_files",
]


@dataclass
class BuildResult:
    models: int
    seconds: float
    incidents: int
    deploys: int
    mode: str = "full"  # full | incremental
    reason: str = ""  # why a full build
    build_id: int = 0
    previous_build_id: int | None = None
    changes: ModelChanges = field(default_factory=lambda: ModelChanges(full=True))
    publish_mode: str | None = None  # full | delta, once published

    def summary(self) -> str:
        """One line: how the build went (full and why, or what an incremental one re-modelled)."""
        if self.mode == "full":
            line = f"full build ({self.reason})"
        else:
            c = self.changes
            line = (
                f"incremental build: {c.delta_objects:,} raw objects new or changed since the "
                f"last build, {c.changed_incidents:,} incidents re-modelled"
            )
        if self.publish_mode == "delta":
            line += "; published the changed tables only"
        return line


def calendar_frame(country: str, first_year: int, last_year: int) -> pd.DataFrame:
    """Every day with its business-day flag and running count of business days.

    ``business_day_seq`` lets SQL find "the N-th business day after day d" as the business day
    whose seq equals seq(d) + N.
    """
    days = pd.date_range(date(first_year, 1, 1), date(last_year, 12, 31), freq="D")
    # a plain dict: looking days up in the holidays object itself is ~20x slower
    off = dict(holidays.country_holidays(country, years=range(first_year, last_year + 1)).items())
    dates = days.date
    is_business = [
        weekday < 5 and day not in off for day, weekday in zip(dates, days.day_of_week, strict=True)
    ]
    frame = pd.DataFrame({"day": dates, "is_business_day": is_business})
    frame["business_day_seq"] = frame["is_business_day"].cumsum().astype("int64")
    frame["holiday_name"] = [off.get(day) for day in dates]
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
    tables = config_tables(settings)
    write_config_tables(con, {name: table.frame() for name, table in tables.items()})


@dataclass(frozen=True)
class ConfigTable:
    """A ``cfg_*`` table: a fingerprint of its content, and the content when needed."""

    fingerprint: str
    frame: Callable[[], pd.DataFrame]


def config_tables(settings: Settings) -> dict[str, ConfigTable]:
    """Every ``cfg_*`` table of the settings. The calendar (tens of thousands of days, from the
    holidays package: a tenth of a second or more) is made only when asked for; its fingerprint
    is that of what it is made from."""
    tables = {
        name: ConfigTable(frame_fingerprint(frame), functools.partial(_same, frame))
        for name, frame in config_frames(settings).items()
    }
    country, first, last = settings.model.report.holidays, 1990, datetime.now(UTC).year + 5
    tables["cfg_calendar"] = ConfigTable(
        text_fingerprint(f"{country} {first} {last} holidays {version('holidays')}"),
        lambda: calendar_frame(country, first, last),
    )
    return tables


def _same(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


def config_frames(settings: Settings) -> dict[str, pd.DataFrame]:
    """The ``cfg_*`` tables of the settings but the calendar, as frames."""
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
    return frames


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """A config table's content and column types, to tell whether it changed."""
    text = frame.to_csv(index=False) + "\n" + repr(list(frame.dtypes.astype(str)))
    return text_fingerprint(text)


def write_config_tables(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    for name, frame in frames.items():
        con.register("cfg_frame", frame)
        try:
            con.execute(f"create or replace table {name} as select * from cfg_frame")
        finally:
            con.unregister("cfg_frame")


def full_build_reason(
    previous: BuildState | None, schema_version: int, requested: bool
) -> str | None:
    """Why this build must be a full one (None: it can be incremental)."""
    if requested:
        return "requested"
    if previous is None:
        return "no previous build"
    if previous.logic != BUILD_LOGIC:
        return "the build logic changed"
    if previous.schema_version != schema_version:
        return "the schema changed"
    return None


def build_models(con: duckdb.DuckDBPyConnection, settings: Settings) -> BuildResult:
    """Build every model from the raw tables, in one transaction: readers of this file (there
    are none but the writer) and the published snapshot only ever see a complete build."""
    return build(con, settings, full=True)


def build(con: duckdb.DuckDBPyConnection, settings: Settings, *, full: bool = False) -> BuildResult:
    """Bring every model up to date in one transaction: incrementally from what changed since
    the last build (``etl/warehouse/incremental.py``), or whole when ``full``, on the first
    build, or after an upgrade that changed the schema or the build logic. A failed build
    changes nothing."""
    started = time.perf_counter()
    models = load_models()
    tables = config_tables(settings)
    con.execute("begin transaction")
    try:
        previous = load_state(con)
        schema = current_version(con)
        mark = current_mark(con)  # what this build covers: its transaction sees no later rows
        reason = full_build_reason(previous, schema, full)
        if previous is not None and reason is None:
            changed_config = {
                name
                for name, table in tables.items()
                if previous.fingerprints.get(f"cfg:{name}") != table.fingerprint
                or object_kind(con, name) != "table"
            }
            write_config_tables(con, {name: tables[name].frame() for name in changed_config})
            changes = IncrementalBuild(con, models, previous, changed_config).run()
        else:
            write_config_tables(con, {name: table.frame() for name, table in tables.items()})
            for model in models:
                create_model(con, model)
            con.execute("create or replace table build_changed_keys (incident_key varchar)")
            changes = ModelChanges(full=True)
        build_id = (previous.build_id if previous is not None else 0) + 1
        con.execute(
            """
            create or replace table build_info as
            select now() as built_at,
                   (select max(version) from schema_migrations) as schema_version,
                   ? as config_origin,
                   ? as config_json,
                   ? as build_id,
                   ? as build_mode
            """,
            [
                settings.origin,
                json.dumps(settings.model.model_dump(mode="json"), default=str),
                build_id,
                "full" if changes.full else "incremental",
            ],
        )
        fingerprints = {f"model:{m.name}": m.fingerprint for m in models}
        fingerprints.update({f"cfg:{name}": table.fingerprint for name, table in tables.items()})
        save_state(con, BuildState(build_id, BUILD_LOGIC, schema, mark, fingerprints))
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    incidents = scalar(con, "select count(*) from incidents")
    deploys = scalar(con, "select count(*) from deploys")
    return BuildResult(
        len(models),
        time.perf_counter() - started,
        incidents,
        deploys,
        mode="full" if changes.full else "incremental",
        reason=reason or "",
        build_id=build_id,
        previous_build_id=previous.build_id if previous is not None else None,
        changes=changes,
    )


def build_and_publish(
    settings: Settings, con: duckdb.DuckDBPyConnection | None = None, *, full: bool = False
) -> BuildResult:
    """Open the warehouse (unless given), bring the models up to date (every model when
    ``full``), publish the snapshot (only what changed, when it can)."""
    own = con is None
    if con is None:
        con = open_writer(
            settings.warehouse_path, memory_limit=settings.model.warehouse.memory_limit
        )
    try:
        result = build(con, settings, full=full)
        published = publish_snapshot(
            con, settings.serving_path, result.changes, result.previous_build_id
        )
        result.publish_mode = published.mode
        return result
    finally:
        if own:
            con.close()
