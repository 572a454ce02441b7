"""metrics/families.py CATALOGUE is docs/metrics-exporter.md's family table, in code: same
names, types and label names, in the same order."""

from __future__ import annotations

import re
from pathlib import Path

from opskpi.metrics.exporter.families import CATALOGUE

CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "metrics-exporter.md"
ROW = re.compile(r"^\| `(opskpi_\w+)` \| (gauge|counter) \| ([^|]+) \|", re.M)


def test_catalogue_is_the_contract_table() -> None:
    documented = [
        (name, kind, tuple(sorted(x.strip() for x in labels.split(",") if x.strip() != "—")))
        for name, kind, labels in ROW.findall(CONTRACT.read_text(encoding="utf-8"))
    ]
    assert len(documented) == 48
    assert [(f.name, f.kind, tuple(sorted(f.labels))) for f in CATALOGUE] == documented


def test_counters_end_in_total_and_help_texts_are_sentences() -> None:
    for family in CATALOGUE:
        assert (family.kind == "counter") == family.name.endswith("_total"), family.name
        assert family.help.endswith("."), family.name
