"""A test warehouse: land hand-made payloads, build the real models, query the real KPIs."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from opskpi.config import Settings, settings_from_dict
from opskpi.etl.warehouse.build import build_models
from opskpi.etl.warehouse.connect import open_memory
from opskpi.etl.warehouse.landing import land
from opskpi.metrics.kpis import kpi_report
from opskpi.metrics.period import Filters, Period
from opskpi.metrics.snapshot import register_macros


class TestWarehouse:
    """An in-memory warehouse with the real migrations, models and KPI queries."""

    __test__ = False  # not a test class for pytest

    def __init__(self, config: dict[str, Any] | None = None, base_dir: Path | None = None):
        self.settings: Settings = settings_from_dict(
            config or {}, base_dir=base_dir or Path("."), origin="test"
        )
        self.con: duckdb.DuckDBPyConnection = open_memory()

    def land(self, source: str, object_type: str, records: list[Any], **kwargs: Any) -> None:
        land(self.con, source, object_type, records, **kwargs)

    def build(self) -> TestWarehouse:
        build_models(self.con, self.settings)
        register_macros(self.con)
        return self

    def report(
        self, since: date, until: date, as_of: datetime, filters: Filters | None = None
    ) -> dict[str, Any]:
        return kpi_report(self.con, Period(since, until, as_of), filters)

    def rows(self, query: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(query, params or [])
        columns = [d[0] for d in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]

    def one(self, query: str, params: list[Any] | None = None) -> dict[str, Any]:
        (row,) = self.rows(query, params)
        return row


def by_severity(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["severity"]: row for row in report["response_times"]}
