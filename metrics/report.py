"""The KPI report as types: every KPI of docs/kpis.md for one period, built once from the KPI
queries (``sql/kpis/*.sql``) and read by field everywhere: ``opskpi kpis`` (JSON, CSV, table),
the app's cards, the weekly review and the exporter.

One frozen dataclass per KPI group; a field is a column of the group's query and a key of the
``opskpi kpis --json`` object, in the same order. ``KpiReport.to_json()`` is that object.

Adding a group (say ``toil``, from ``sql/kpis/toil.sql``): a ``Group`` subclass naming its
query, whose fields are the query's columns in JSON order; a field of that type on
``KpiReport`` before ``filters``; one line in ``KpiReport.read``; a ``metrics.kpis`` function of
the group's name (the app's DataFrames); its column in ``sql/kpis/report.sql`` (the KPI set in
one statement; without it the group is read with its own query). JSON, CSV, ``group_names()``
and the exporter's reader follow from the fields; cards, review rows and exporter families are
added where they are wanted (``app/catalogue.py``, ``metrics/exporter/``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, ClassVar, Self, get_args, get_origin, get_type_hints

from opskpi.config.vocabulary import POOLED
from opskpi.metrics.period import Filters, Period
from opskpi.metrics.sources import SourceStatus

Row = Mapping[str, Any]
# Runs one KPI query (``"kpis/releases"``) for the report's period and filters: its rows.
ReadRows = Callable[[str], Sequence[Row]]
# A number of the report: a count, a share, a duration in seconds; None where nothing is measured.
Value = int | float | None

# Field metadata of a value the app reads but ``opskpi kpis --json`` does not show.
NOT_IN_JSON: Mapping[str, bool] = {"json": False}


def clean(value: Any) -> Any:
    """NaN (no data) as None, everything else as it is."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _json(value: object) -> object:
    if isinstance(value, Stats | Group):
        return value.to_json()
    return value


@dataclass(frozen=True)
class Stats:
    """Statistics of one duration (seconds) over the incidents that have it; ``n`` of them."""

    mean: float | None
    median: float | None
    p90: float | None
    p95: float | None
    max: float | None
    n: int

    @classmethod
    def from_row(cls, row: Row, prefix: str) -> Self:
        """From the columns ``<prefix>_mean`` … ``<prefix>_n`` of a response_times row."""
        return cls(**{f.name: clean(row[f"{prefix}_{f.name}"]) for f in fields(cls)})

    def statistics(self) -> dict[str, float | None]:
        """Statistic name → value, every field but ``n``."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "n"}

    def to_json(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Group:
    """A KPI group: its fields are columns of its query's rows, in the order of the JSON."""

    QUERY: ClassVar[str]

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(**{f.name: clean(row[f.name]) for f in fields(cls)})

    @classmethod
    def read(cls, read_rows: ReadRows) -> Self:
        """The group of a whole period (its query gives one row)."""
        (row,) = read_rows(cls.QUERY)
        return cls.from_row(row)

    @classmethod
    def read_all(cls, read_rows: ReadRows) -> tuple[Self, ...]:
        """A group of one row per key (per severity, per root cause)."""
        return tuple(cls.from_row(row) for row in read_rows(cls.QUERY))

    def items(self) -> Iterator[tuple[str, object]]:
        """(JSON key, value) in JSON order; a value may be ``Stats``."""
        for f in fields(self):
            if f.metadata.get("json", True):
                yield f.name, getattr(self, f.name)

    def to_json(self) -> dict[str, object]:
        return {name: _json(value) for name, value in self.items()}


# -- the groups (docs/kpis.md) ---------------------------------------------------------------


@dataclass(frozen=True)
class ResponseTimesRow(Group):
    """MTTA/MTTR and SLA compliance of one severity, or of all of them (``severity == "all"``)."""

    QUERY = "kpis/response_times"

    severity: str
    incidents: int
    merged: int
    acknowledged: int
    unacknowledged: int
    resolved: int
    open: int
    tta_seconds: Stats
    ttr_seconds: Stats
    ack_sla_compliance: float | None
    resolve_sla_compliance: float | None
    breaching_open: int | None  # None: no severity of the row has a resolve target
    unacked_over_target: int | None  # None: no severity of the row has an ack target
    # the denominators of the two compliances (incidents measured against a target)
    ack_sla_n: int = field(default=0, metadata=NOT_IN_JSON)
    resolve_sla_n: int = field(default=0, metadata=NOT_IN_JSON)

    @classmethod
    def from_row(cls, row: Row) -> Self:
        values = {
            f.name: clean(row[f.name])
            for f in fields(cls)
            if f.name not in ("tta_seconds", "ttr_seconds")
        }
        return cls(
            **values,
            tta_seconds=Stats.from_row(row, "tta"),
            ttr_seconds=Stats.from_row(row, "ttr"),
        )


@dataclass(frozen=True)
class RootCauseRow(Group):
    QUERY = "kpis/root_causes"

    root_cause: str
    incidents: int
    share: float | None


@dataclass(frozen=True)
class Releases(Group):
    QUERY = "kpis/releases"

    incidents: int
    release_caused: int
    explicit: int
    window: int
    release_caused_share: float | None
    deploys: int
    deploys_with_incident: int
    change_failure_rate: float | None
    rollbacks: int


@dataclass(frozen=True)
class Runbooks(Group):
    QUERY = "kpis/runbooks"

    incidents: int
    with_runbook: int
    without_runbook: int
    coverage: float | None


@dataclass(frozen=True)
class Rca(Group):
    QUERY = "kpis/rca"

    actions_due: int
    actions_on_time: int
    rca_adherence: float | None
    overdue_actions: int
    overdue_must_fix: int
    postmortems_due: int
    postmortems_on_time: int
    postmortem_on_time_share: float | None


@dataclass(frozen=True)
class Paging(Group):
    QUERY = "kpis/paging"

    acknowledged: int
    acked_within_paging_window: float | None
    escalated: int
    escalation_rate: float | None


@dataclass(frozen=True)
class Oncall(Group):
    """On-call load (docs/kpis.md §10): interruptions by the notification's local time."""

    QUERY = "kpis/oncall"

    interruptions: int
    business_hours: int
    off_hours: int
    sleep_hours: int
    people: int
    max_per_person: int
    sleep_hours_share: float | None


@dataclass(frozen=True)
class Noise(Group):
    """Alert noise (docs/kpis.md §11) over the period's non-merged incidents."""

    QUERY = "kpis/noise"

    incidents: int
    resolved: int
    resolved_unacknowledged: int
    resolved_unacknowledged_share: float | None
    flapping: int
    flapping_share: float | None
    alerts_per_incident: float | None


# -- the report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiReport:
    """Every KPI for one period, in the order and with the names of ``opskpi kpis --json``."""

    as_of: datetime
    timezone: str
    since: date
    until: date
    response_times: tuple[ResponseTimesRow, ...]
    root_causes: tuple[RootCauseRow, ...]
    releases: Releases
    runbooks: Runbooks
    rca: Rca
    paging: Paging
    oncall: Oncall
    noise: Noise
    filters: Filters = field(default_factory=Filters)
    # each configured source's last success and failure, judged stale at as_of
    # (metrics/sources.py); ``sources`` in the JSON when there is any
    sources: tuple[SourceStatus, ...] = ()

    @classmethod
    def read(
        cls,
        read_rows: ReadRows,
        period: Period,
        filters: Filters,
        timezone: str,
        sources: tuple[SourceStatus, ...] = (),
    ) -> KpiReport:
        """Run every KPI query once (``read_rows``) and keep the rows as types."""
        return cls(
            as_of=period.as_of,
            timezone=timezone,
            since=period.since,
            until=period.until,
            response_times=ResponseTimesRow.read_all(read_rows),
            root_causes=RootCauseRow.read_all(read_rows),
            releases=Releases.read(read_rows),
            runbooks=Runbooks.read(read_rows),
            rca=Rca.read(read_rows),
            paging=Paging.read(read_rows),
            oncall=Oncall.read(read_rows),
            noise=Noise.read(read_rows),
            filters=filters,
            sources=sources,
        )

    @property
    def period(self) -> Period:
        return Period(self.since, self.until, self.as_of)

    @property
    def pooled(self) -> ResponseTimesRow:
        """The row of every severity together (the response_times query always has one)."""
        return next(row for row in self.response_times if row.severity == POOLED)

    def severity(self, severity: str) -> ResponseTimesRow | None:
        """The row of ``severity`` (or ``"all"``), None when no incident of it is in the period."""
        return next((row for row in self.response_times if row.severity == severity), None)

    @property
    def active_filters(self) -> dict[str, list[str]]:
        """The filters in force, by JSON name; empty without filters."""
        return {name: values for name, values in self.filters.params().items() if values}

    def groups(self) -> Iterator[tuple[str, Group]]:
        """(name, group) of the one-row groups (releases, runbooks, …), in JSON order."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Group):
                yield f.name, value

    @property
    def attention(self) -> tuple[SourceStatus, ...]:
        """The sources that are stale, failed or never synced."""
        return tuple(source for source in self.sources if source.needs_attention)

    def to_json(self) -> dict[str, Any]:
        """The ``opskpi kpis --json`` object: dates as ISO strings, ``sources`` when any
        source is configured, ``filters`` only when set."""
        out: dict[str, Any] = {
            "as_of": self.as_of.isoformat(),
            "timezone": self.timezone,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "response_times": [row.to_json() for row in self.response_times],
            "root_causes": [row.to_json() for row in self.root_causes],
        }
        out.update((name, group.to_json()) for name, group in self.groups())
        if self.sources:
            out["sources"] = [source.to_json() for source in self.sources]
        if self.active_filters:
            out["filters"] = self.active_filters
        return out

    def long_rows(self) -> Iterator[tuple[str, str, str, Value]]:
        """``(group, key, metric, value)``: one per number of the JSON (the long CSV)."""
        for row in self.response_times:
            for metric, value in row.items():
                if metric == "severity":
                    continue
                if isinstance(value, Stats):
                    for stat, number in value.to_json().items():
                        yield "response_times", row.severity, f"{metric}.{stat}", _number(number)
                else:
                    yield "response_times", row.severity, metric, _number(value)
        for cause in self.root_causes:
            yield "root_causes", cause.root_cause, "incidents", cause.incidents
            yield "root_causes", cause.root_cause, "share", cause.share
        for name, group in self.groups():
            for metric, value in group.items():
                yield name, "", metric, _number(value)


def group_names() -> tuple[str, ...]:
    """The KPI groups of the report, in JSON order: its fields holding a ``Group`` or a tuple
    of them (``response_times`` … ``paging``), which are also the ``metrics.kpis`` functions."""
    names = []
    for name, hint in get_type_hints(KpiReport).items():
        row_type = get_args(hint)[0] if get_origin(hint) is tuple else hint
        if isinstance(row_type, type) and issubclass(row_type, Group):
            names.append(name)
    return tuple(names)


def _number(value: object) -> Value:
    if value is None or isinstance(value, int | float):
        return value
    raise TypeError(f"expected a number, got {type(value).__name__}")
