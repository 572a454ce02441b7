"""Panels about opskpi's own health: sync runs per source, the KPI snapshot, the exporter."""

from __future__ import annotations

from grafana_foundation_sdk.builders import stat, timeseries
from grafana_foundation_sdk.models import common as common_models
from grafana_foundation_sdk.models import dashboard as dashboard_models

from opskpi.grafana.panels.common import (
    COUNT,
    SECONDS,
    SELECTOR,
    STALE_SYNC_HOURS,
    age_thresholds,
    count_stat,
    default_stat,
    default_timeseries,
    instant_query,
    nonzero_is_red,
    prom_query,
    series,
    steps,
)
from opskpi.metrics.exporter import families

# Prometheus's own per-target series, not an exporter family.
SCRAPE_UP = f"up{{{SELECTOR}}}"
SYNC_AGE = f"time() - {series(families.SYNC_LAST_SUCCESS_TIMESTAMP_SECONDS)}"
SNAPSHOT_AGE = f"time() - {series(families.SNAPSHOT_TIMESTAMP_SECONDS)}"
SYNC_ERRORS_1D = f"increase({series(families.SYNC_ERRORS_TOTAL)}[1d])"
SNAPSHOT_LOAD_ERRORS_1D = f"increase({series(families.SNAPSHOT_LOAD_ERRORS_TOTAL)}[1d])"


def last_success_age() -> stat.Panel:
    return (
        default_stat(
            "Time since last successful sync",
            SECONDS,
            f"Per source. Red after {STALE_SYNC_HOURS} h (the OpskpiSyncStale alert).",
        )
        .span(12)
        .thresholds(age_thresholds())
        .color_mode(common_models.BigValueColorMode.BACKGROUND)
        .with_target(instant_query(SYNC_AGE, "{{source}}"))
    )


def sync_errors() -> stat.Panel:
    return (
        count_stat("Failed sync runs (24 h)", "Per source, from opskpi_sync_errors_total.")
        .thresholds(nonzero_is_red())
        .with_target(instant_query(SYNC_ERRORS_1D, "{{source}}"))
    )


def snapshot_age() -> stat.Panel:
    return (
        default_stat("KPI snapshot age", SECONDS, "How old the figures the exporter serves are.")
        .thresholds(age_thresholds())
        .with_target(instant_query(SNAPSHOT_AGE))
    )


def last_success_age_trend() -> timeseries.Panel:
    return default_timeseries("Time since last successful sync", SECONDS).with_target(
        prom_query(SYNC_AGE, "{{source}}")
    )


def last_run_duration() -> timeseries.Panel:
    return default_timeseries("Last run duration", SECONDS).with_target(
        prom_query(series(families.SYNC_LAST_RUN_DURATION_SECONDS), "{{source}}")
    )


def last_run_records() -> timeseries.Panel:
    return (
        default_timeseries("Records landed by the last run", COUNT)
        .decimals(0)
        .with_target(prom_query(series(families.SYNC_LAST_RUN_RECORDS), "{{source}}"))
    )


def sync_errors_trend() -> timeseries.Panel:
    return (
        default_timeseries("Failed sync runs", COUNT, "Failures per interval, per source.")
        .decimals(0)
        .with_target(
            prom_query(
                f"increase({series(families.SYNC_ERRORS_TOTAL)}[$__rate_interval])", "{{source}}"
            )
        )
    )


def exporter_up() -> stat.Panel:
    return (
        default_stat("Exporter", COUNT, "Prometheus scrape of the opskpi exporter (up).")
        .thresholds(steps((None, "red"), (1, "green")))
        .color_mode(common_models.BigValueColorMode.BACKGROUND)
        .mappings(
            [
                dashboard_models.ValueMap(
                    options={
                        "0": dashboard_models.ValueMappingResult(text="down", color="red"),
                        "1": dashboard_models.ValueMappingResult(text="up", color="green"),
                    }
                )
            ]
        )
        .with_target(instant_query(SCRAPE_UP, "{{instance}}"))
    )


def snapshot_load_errors() -> stat.Panel:
    return (
        count_stat("Snapshot load errors (24 h)", "Failed attempts to read the KPI snapshot.")
        .thresholds(nonzero_is_red())
        .with_target(instant_query(SNAPSHOT_LOAD_ERRORS_1D))
    )


def snapshot_age_trend() -> timeseries.Panel:
    return default_timeseries("KPI snapshot age", SECONDS).with_target(
        prom_query(SNAPSHOT_AGE, "snapshot age")
    )
