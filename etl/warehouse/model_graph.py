"""The models as a graph: what each one reads, found in its SQL, and how the build keeps it.

Every model file (``sql/staging`` → ``intermediate`` → ``marts`` → ``health``) reads other
models, the ``cfg_*`` tables, ``raw_objects`` of some (source, object type) and the run tables
(``sync_runs``, ``raw_rejects``). The build reads those names out of the SQL (so a new model is
in the graph the moment its file exists) and keeps each model in one of four ways
(docs/architecture.md, "Incremental build"):

* **staging**: a table, each raw payload parsed once. Those in ``STAGING_KEYS`` are kept by raw
  key (a changed object's rows are deleted and parsed again); the others (a few hundred rows at
  most: teams, Argo CD, comms) are rebuilt whenever their object types change.
* **scoped**: an intermediate view whose rows each belong to one incident (``SCOPED_VIEWS``).
  Never materialised; the keyed marts read it, over the whole warehouse or over a few incidents.
* **keyed**: a mart with one or more rows per incident (``KEYED_MARTS``): an incremental build
  deletes and re-inserts the rows of the incidents the change touches.
* **table**: everything else, rebuilt whole when something it reads changed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from opskpi import sql

ModelKind = Literal["staging", "scoped", "keyed", "table"]

# the run tables some models read; they change with every sync
RUN_TABLES = ("sync_runs", "raw_rejects")
# a model reading raw_objects without naming an object type reads all of them
ALL_RAW = "raw:*"


@dataclass(frozen=True)
class StagingKey:
    """How a staging table is kept by raw key.

    ``key``: the column holding the raw object's id (``raw_objects.object_id``); ``source`` and
    ``incident``: the incident each row belongs to (``<source>:<incident column>``), or None
    when the rows belong to no incident; ``also``: columns naming other incidents a change of
    the row touches (a merge target).
    """

    key: str
    source: str | None = None
    incident: str | None = None
    also: tuple[str, ...] = ()


# staging models kept by raw key (each reads one raw object type)
STAGING_KEYS: dict[str, StagingKey] = {
    "stg_pagerduty__incidents": StagingKey(
        "source_id", "pagerduty", "source_id", also=("merged_into_id",)
    ),
    "stg_pagerduty__log_entries": StagingKey("log_entry_id", "pagerduty", "incident_id"),
    "stg_pagerduty__alerts": StagingKey("alert_id", "pagerduty", "incident_id"),
    "stg_pagerduty__custom_fields": StagingKey("incident_id", "pagerduty", "incident_id"),
    "stg_pagerduty__analytics_incidents": StagingKey("source_id", "pagerduty", "source_id"),
    "stg_opsgenie__alerts": StagingKey("source_id", "opsgenie", "source_id"),
    "stg_opsgenie__alert_logs": StagingKey("log_id", "opsgenie", "alert_id"),
    "stg_opsgenie__incidents": StagingKey("source_id", "opsgenie", "source_id"),
    "stg_opsgenie__timeline_entries": StagingKey("entry_key", "opsgenie", "incident_id"),
    "stg_jsm__alerts": StagingKey("source_id", "jsm", "source_id"),
    "stg_jsm__alert_logs": StagingKey("log_id", "jsm", "alert_id"),
    "stg_postmortems": StagingKey("postmortem_id"),
}

# intermediate views whose rows each belong to one incident (read whole or for a few incidents)
SCOPED_VIEWS = frozenset(
    {
        "int_pagerduty__incidents",
        "int_opsgenie__alert_incidents",
        "int_opsgenie__incidents",
        "int_jsm__alert_incidents",
        "int_incidents_unioned",
        "int_notifications",
    }
)

# marts kept by incident: their key column
KEYED_MARTS: dict[str, str] = {
    "incidents": "incident_key",
    "incident_events": "incident_key",
    "interruptions": "incident_key",
}

_RAW_FILTER = re.compile(r"source\s*=\s*'(\w+)'\s+and\s+object_type\s*=\s*'(\w+)'")
_WORD = re.compile(r"\b[a-z_][a-z0-9_]*\b")
_COMMENT = re.compile(r"--[^\n]*")
_STRING = re.compile(r"'(?:[^']|'')*'")
_CTE = re.compile(r"\b([a-z_][a-z0-9_]*)\s+as\s*\(")


@dataclass(frozen=True)
class Model:
    layer: str
    stem: str  # the file name without .sql (may carry an NN_ prefix)
    name: str  # the table or view it materialises
    sql: str
    reads: frozenset[str]  # model names, cfg_* tables, run tables, "raw:<source>/<type>"
    kind: ModelKind

    @property
    def fingerprint(self) -> str:
        return text_fingerprint(f"{self.kind}\n{self.sql}")

    @property
    def raw_types(self) -> frozenset[tuple[str, str]]:
        return frozenset(
            (name[4:].split("/")[0], name[4:].split("/")[1])
            for name in self.reads
            if name.startswith("raw:") and name != ALL_RAW
        )


def text_fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _kind(layer: str, name: str) -> ModelKind:
    if layer == "staging":
        return "staging"
    if name in SCOPED_VIEWS:
        return "scoped"
    if name in KEYED_MARTS:
        return "keyed"
    return "table"


def reads_of(body: str, known: set[str]) -> frozenset[str]:
    """The names a model's SQL reads: known model and config table names, the run tables, and
    ``raw:<source>/<type>`` for each ``source = '…' and object_type = '…'`` filter on
    ``raw_objects`` (``raw:*`` when it reads raw_objects without one). The names of the file's
    own CTEs are left out (``with incidents as (…)`` does not read the incidents mart)."""
    text = _COMMENT.sub("", body.lower())
    code = _STRING.sub("''", text)  # names in string literals (JSON paths) are not tables
    words = set(_WORD.findall(code)) - set(_CTE.findall(code))  # a CTE is not a table
    reads = {w for w in words if w in known or w.startswith("cfg_") or w in RUN_TABLES}
    if "raw_objects" in words:
        types = {f"raw:{s}/{t}" for s, t in _RAW_FILTER.findall(text)}
        reads |= types or {ALL_RAW}
    return frozenset(reads)


@cache
def load_models() -> tuple[Model, ...]:
    """Every model in build order, with what it reads and how it is kept."""
    found = [(layer, stem, sql.model_table_name(stem)) for layer, stem in sql.models()]
    names = {name for _, _, name in found}
    models = []
    for layer, stem, name in found:
        body = sql.read(f"{layer}/{stem}")
        reads = reads_of(body, names - {name})
        models.append(Model(layer, stem, name, body, reads, _kind(layer, name)))
    return tuple(models)


def materialised_as(model: Model) -> Literal["table", "view"]:
    return "view" if model.kind == "scoped" else "table"
