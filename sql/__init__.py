"""The SQL of opskpi: migrations, models (staging → intermediate → marts → health) and KPI
queries, one file each, loaded by name. No Python logic lives here beyond finding the files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent

# Build order of the models. Each is a SELECT materialised under its file's stem.
# Staging models are tables over raw_objects (each payload parsed once); how each model is kept
# (table or view, rebuilt or kept by key) is etl/warehouse/model_graph.py's business.
MODEL_LAYERS: tuple[str, ...] = ("staging", "intermediate", "marts", "health")

# Tables a reader (CLI, app, exporter) needs; copied into the published serving snapshot.
SERVED_TABLES: tuple[str, ...] = (
    "incidents",
    "incident_events",
    "deploys",
    "deploy_failures",
    "postmortems",
    "postmortem_incidents",
    "corrective_actions",
    "data_quality_issues",
    "source_freshness",
    "rejected_records",
    "argocd_history_gaps",
    "interruptions",
    "notification_coverage",
    "jsm_opsgenie_pairs",
    "jsm_continuity",
    "jsm_field_spellings",
    "sync_runs",
    "cfg_policy",
    "cfg_severities",
    "cfg_settings",
    "cfg_taxonomy",
    "cfg_services",
    "cfg_oncall",
    "cfg_noise",
    "cfg_sources",
    "build_info",
    "schema_migrations",
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


@cache
def read(name: str) -> str:
    """The text of ``sql/<name>.sql`` (e.g. ``read("kpis/response_times")``)."""
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"no SQL file {path}")
    return path.read_text(encoding="utf-8")


def migrations() -> list[Migration]:
    found = []
    for path in sorted((SQL_DIR / "migrations").glob("*.sql")):
        match = re.match(r"^(\d{4})_(\w+)\.sql$", path.name)
        if not match:
            raise ValueError(f"migration file name must look like 0001_name.sql: {path.name}")
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text("utf-8")))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise ValueError(f"migration versions must run 1..N without gaps, found {versions}")
    return found


def models() -> list[tuple[str, str]]:
    """``(layer, name)`` of every model in build order: by layer, then by file name.

    Within a layer, a file name may start with ``NN_`` to force its place (files without a
    prefix count as 50); the prefix is not part of the materialised name.
    """

    def place(path: Path) -> tuple[int, str]:
        match = re.match(r"^(\d+)_", path.stem)
        return (int(match.group(1)) if match else 50, model_table_name(path.stem))

    ordered = []
    for layer in MODEL_LAYERS:
        for path in sorted((SQL_DIR / layer).glob("*.sql"), key=place):
            ordered.append((layer, path.stem))
    return ordered


def model_table_name(stem: str) -> str:
    return re.sub(r"^\d+_", "", stem)
