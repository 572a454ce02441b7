"""No dashboard or rule sums a series that holds a pooled value (docs/metrics-exporter.md).

A family is *additive* when its series split a count into parts that never overlap; every
``sum(...)``/``avg(...)`` of every generated dashboard expression (both languages) and of every
rule may only aggregate additive families, and must pin the window (7d lies inside 28d). The
exporter side (no ``severity="all"`` series, pooled figures in their own families) is checked on
the fixture exposition here too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from exporter_fixture import build_warehouse, publish_fixture
from prometheus_harness import Expression, rule_expressions
from test_collector import registry_over

from opskpi.config.vocabulary import POOLED
from opskpi.grafana import generate
from opskpi.metrics.exporter.families import BY_NAME, CATALOGUE

AGGREGATION = re.compile(r"\b(sum|avg)\s*(?:(?:by|without)\s*\([^)]*\)\s*)?\(")
SELECTOR = re.compile(r"\b(opskpi_\w+)(\{[^}]*\})?")


def _inside(expr: str, open_at: int) -> str:
    """The text between the parenthesis at ``open_at`` and its match."""
    depth = 0
    for index in range(open_at, len(expr)):
        depth += {"(": 1, ")": -1}.get(expr[index], 0)
        if depth == 0:
            return expr[open_at + 1 : index]
    raise ValueError(f"unbalanced parentheses in {expr!r}")


def summed_selectors(expr: str) -> list[tuple[str, str]]:
    """(family, matchers) of every series selector inside a sum() or avg() of ``expr``."""
    found = []
    for match in AGGREGATION.finditer(expr):
        for name, matchers in SELECTOR.findall(_inside(expr, match.end() - 1)):
            found.append((name, matchers))
    return found


def problems(expressions: list[Expression]) -> list[str]:
    out = []
    for item in expressions:
        for name, matchers in summed_selectors(item.expr):
            family = BY_NAME.get(name)
            if family is None:
                continue  # a recording rule's name (opskpi:...) is no exporter family
            if not family.additive:
                out.append(f"{item.name}: sums {name}, which is not additive")
            elif "window" in family.labels and not re.search(r'window="[^"]+"', matchers):
                out.append(f"{item.name}: sums {name} over windows ({matchers or 'no matcher'})")
    return out


def _dashboard_expressions() -> list[Expression]:
    found = []
    for language in ("pt-BR", "en"):
        for text in generate.rendered(language).values():
            board = json.loads(text)
            for panel in board["panels"]:
                for target in panel.get("targets", []):
                    found.append(Expression(board["title"], panel["title"], target["expr"]))
    return found


def test_the_check_finds_a_sum_of_pooled_or_overlapping_series() -> None:
    bad = [
        Expression("t", "ratio", 'sum(opskpi_ack_sla_compliance_ratio{window="28d"})'),
        Expression("t", "links", 'sum by (window) (opskpi_release_caused_incidents{window="7d"})'),
        Expression("t", "windows", 'sum(opskpi_incidents{severity="sev1"})'),
        Expression("t", "people", 'avg(opskpi_people_interrupted{window="7d"})'),
        Expression("t", "fine", 'sum by (team) (opskpi_team_interruptions{window="$window"})'),
        Expression("t", "fine too", 'opskpi_pooled_ack_sla_compliance_ratio{window="7d"}'),
    ]
    assert problems(bad) == [
        "ratio: sums opskpi_ack_sla_compliance_ratio, which is not additive",
        "links: sums opskpi_release_caused_incidents, which is not additive",
        'windows: sums opskpi_incidents over windows ({severity="sev1"})',
        "people: sums opskpi_people_interrupted, which is not additive",
    ]


def test_no_dashboard_sums_a_pooled_or_overlapping_series() -> None:
    expressions = _dashboard_expressions()
    assert sum(1 for e in expressions if summed_selectors(e.expr)) >= 8  # the check has work
    assert problems(expressions) == []


def test_no_rule_sums_a_pooled_or_overlapping_series() -> None:
    assert problems(rule_expressions()) == []


def test_every_family_says_whether_it_may_be_summed_in_the_contract() -> None:
    """docs/metrics-exporter.md marks the additive families; the catalogue agrees."""
    contract = (Path(__file__).resolve().parents[1] / "docs" / "metrics-exporter.md").read_text()
    rows = dict(re.findall(r"^\| `(opskpi_\w+)` \| \w+ \| [^|]+ \| ([^|]+) \|$", contract, re.M))
    assert len(rows) == len(CATALOGUE)
    assert {f.name for f in CATALOGUE if f.additive} == {
        name for name, meaning in rows.items() if "additive" in meaning
    }
    ratios = [f.name for f in CATALOGUE if f.name.endswith(("_ratio", "_seconds")) and f.additive]
    assert ratios == []


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, dict[str, str]]]:
    path = publish_fixture(build_warehouse(), tmp_path_factory.mktemp("pooled") / "s.duckdb")
    registry = registry_over(path)
    return [(s.name, dict(s.labels)) for m in registry.collect() for s in m.samples]


def test_the_exporter_serves_no_pooled_label_value(
    samples: list[tuple[str, dict[str, str]]],
) -> None:
    pooled = [(name, labels) for name, labels in samples if POOLED in labels.values()]
    assert pooled == []
    names = {name for name, _ in samples}
    assert {
        "opskpi_pooled_time_to_acknowledge_seconds",
        "opskpi_pooled_ack_sla_compliance_ratio",
    } <= names
