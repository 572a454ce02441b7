"""A KpiReport written by hand (metrics/report.py), for tests of what reads it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from opskpi.metrics.period import Filters
from opskpi.metrics.report import (
    KpiReport,
    Noise,
    Oncall,
    Paging,
    Rca,
    Releases,
    ResponseTimesRow,
    RootCauseRow,
    Runbooks,
    Stats,
)


def response_row(severity: str, incidents: int, tta_mean: float | None) -> ResponseTimesRow:
    return ResponseTimesRow(
        severity=severity,
        incidents=incidents,
        merged=0,
        acknowledged=incidents,
        unacknowledged=0,
        resolved=incidents,
        open=0,
        tta_seconds=Stats(tta_mean, tta_mean, tta_mean, tta_mean, tta_mean, incidents),
        ttr_seconds=Stats(None, None, None, None, None, 0),
        ack_sla_compliance=0.5,
        resolve_sla_compliance=None,
        breaching_open=0,
        unacked_over_target=None,
        ack_sla_n=2,
        resolve_sla_n=0,
    )


def hand_report(filters: Filters | None = None) -> KpiReport:
    return KpiReport(
        as_of=datetime(2026, 3, 1, tzinfo=UTC),
        timezone="America/Sao_Paulo",
        since=date(2026, 2, 1),
        until=date(2026, 3, 1),
        response_times=(response_row("sev1", 2, 120.0), response_row("all", 2, 120.0)),
        root_causes=(RootCauseRow("change", 1, 0.5), RootCauseRow("capacity", 1, 0.5)),
        releases=Releases(2, 1, 1, 0, 0.5, 4, 1, 0.25, 0),
        runbooks=Runbooks(2, 1, 1, 0.5),
        rca=Rca(0, 0, None, 0, 0, 1, 1, 1.0),
        paging=Paging(2, 1.0, 0, 0.0),
        oncall=Oncall(4, 2, 1, 1, 2, 3, 0.25),
        noise=Noise(2, 2, 1, 0.5, 0, 0.0, 1.5),
        **({"filters": filters} if filters else {}),
    )
