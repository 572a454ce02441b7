"""Which filter values exist, so a filter naming anything else is refused with the known ones
instead of giving empty tables (``opskpi kpis --team Nope`` exits 2; the app warns).

Known values: those of the snapshot's incidents (the sidebar's options), the services and teams
of the config (``[services.X]``, ``team``: a team may own deploys before it has an incident),
and the vocabulary's severities and incident sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from opskpi.config.vocabulary import INCIDENT_SOURCES, SEVERITIES, severity_rank
from opskpi.metrics.kpis import run_query
from opskpi.metrics.period import Filters

# filter field (the URL parameter and the CLI option without "--") → its Filters attribute
FIELDS: dict[str, str] = {
    "severity": "severities",
    "service": "services",
    "team": "teams",
    "source": "sources",
}


@dataclass(frozen=True)
class UnknownValue:
    """A filter value that names nothing, with every value its field knows."""

    field: str
    value: str
    known: tuple[str, ...]

    def message(self, prefix: str = "--") -> str:
        known = ", ".join(self.known) or "none"
        return f"{prefix}{self.field}: unknown {self.field} {self.value!r} (known: {known})"


def _ordered(field: str, values: set[str]) -> tuple[str, ...]:
    if field == "severity":
        return tuple(sorted(values, key=lambda s: (severity_rank(s), s)))
    return tuple(sorted(values))


def known_values(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, ...]]:
    """Every value each filter field knows in the snapshot open on ``con``."""
    known: dict[str, set[str]] = {
        "severity": set(SEVERITIES),
        "service": set(),
        "team": set(),
        "source": set(INCIDENT_SOURCES),
    }
    for field, value in run_query(con, "queries/filter_options", {}).fetchall():
        if field in known and value is not None:
            known[field].add(str(value))
    for service, team in con.execute("select service, team from cfg_services").fetchall():
        if service is not None:
            known["service"].add(str(service))
        if team is not None:
            known["team"].add(str(team))
    return {field: _ordered(field, values) for field, values in known.items()}


def unknown_values(filters: Filters, known: dict[str, tuple[str, ...]]) -> tuple[UnknownValue, ...]:
    """The values of ``filters`` that ``known`` does not hold, field by field, in order."""
    out = []
    for field, attribute in FIELDS.items():
        allowed = known.get(field, ())
        for value in getattr(filters, attribute) or ():
            if value not in allowed:
                out.append(UnknownValue(field, value, allowed))
    return tuple(out)
