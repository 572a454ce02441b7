"""The alert rules: promtool checks and unit tests, conventions, and a real Prometheus run.

The last tests start /usr/bin/prometheus (tests/prometheus_harness.py) against a hand-written
exposition of every family of docs/metrics-exporter.md.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_harness import (
    DASHBOARD_FILES,
    REPO,
    RULES_FILE,
    Expression,
    Prometheus,
    comparison_operand,
    dashboard_expressions,
    dashboard_variable_queries,
    expression_problems,
    rule_expressions,
    running_prometheus,
    serving_exposition,
    substitute,
)

PROMETHEUS_DIR = REPO / "grafana" / "prometheus"
RULES_TEST_FILE = PROMETHEUS_DIR / "rules_test.yml"
EXAMPLE_CONFIG = PROMETHEUS_DIR / "prometheus.example.yml"
RUNBOOK = REPO / "docs" / "runbooks" / "opskpi-alerts.md"
RUNBOOK_URL = "https://git.example.com/ops/opskpi/-/blob/main/docs/runbooks/opskpi-alerts.md#"
EXPOSITION_SAMPLE = Path(__file__).parent / "data" / "exposition_sample.prom"

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (apt-get install prometheus; .ci/run does)"
)
needs_prometheus = pytest.mark.skipif(
    shutil.which("prometheus") is None and not Path("/usr/bin/prometheus").exists(),
    reason="prometheus not installed (apt-get install prometheus; .ci/run does)",
)


def _rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def _alerts() -> list[dict[str, Any]]:
    return [rule for rule in _rules() if "alert" in rule]


def _promtool(*args: str, cwd: Path = PROMETHEUS_DIR) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@needs_promtool
def test_promtool_check_rules() -> None:
    result = _promtool("check", "rules", str(RULES_FILE))
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_unit_tests_pass() -> None:
    result = _promtool("test", "rules", RULES_TEST_FILE.name)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_example_scrape_config_is_valid_and_loads_the_rules() -> None:
    result = _promtool("check", "config", str(EXAMPLE_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    assert config["rule_files"] == ["rules.yml"]
    [job] = config["scrape_configs"]
    assert job["job_name"] == "opskpi"
    assert job["static_configs"] == [{"targets": ["127.0.0.1:9464"]}]


def _runbook_anchors() -> set[str]:
    """GitLab/GitHub heading anchors of the runbook: lower case, spaces to hyphens."""
    headings = re.findall(r"^#{2,3} (.+)$", RUNBOOK.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


@pytest.mark.parametrize("alert", _alerts(), ids=lambda alert: alert["alert"])
def test_alert_has_for_severity_annotations_and_runbook(alert: dict[str, Any]) -> None:
    assert alert.get("for"), "every alert waits before firing"
    assert alert["labels"]["severity"] in {"page", "ticket"}
    annotations = alert["annotations"]
    assert annotations["summary"]
    assert annotations["description"]
    url = annotations["runbook_url"]
    assert url.startswith(RUNBOOK_URL)
    anchor = url.removeprefix(RUNBOOK_URL)
    assert anchor == alert["alert"].lower()
    assert anchor in _runbook_anchors(), f"no section {alert['alert']} in {RUNBOOK}"


def test_every_selector_carries_the_opskpi_job() -> None:
    for item in rule_expressions(RULES_FILE):
        names = re.findall(r"(?<![\w:])((?:opskpi[_:]\w+|up))(\{[^}]*\})?", item.expr)
        assert names, item
        for name, matchers in names:
            assert matchers.startswith('{job="opskpi"'), f"{item.name}: {name}{matchers}"


def test_per_severity_alerts_keep_the_incident_severity() -> None:
    """The alert label `severity` (page/ticket) overwrites the exporter's: copy it first."""
    for alert in _alerts():
        if "severity" in alert["expr"]:
            assert '"incident_severity", "$1", "severity"' in alert["expr"], alert["alert"]


def test_every_alert_is_unit_tested_firing_and_not_firing() -> None:
    document = yaml.safe_load(RULES_TEST_FILE.read_text(encoding="utf-8"))
    firing: set[str] = set()
    silent: set[str] = set()
    for test in document["tests"]:
        for case in test.get("alert_rule_test", []):
            (firing if case.get("exp_alerts") else silent).add(case["alertname"])
    names = {alert["alert"] for alert in _alerts()}
    assert names - firing == set(), "alerts never shown firing"
    assert names - silent == set(), "alerts never shown silent"


def test_comparison_operand() -> None:
    assert comparison_operand('up{job="opskpi"} == 0') == 'up{job="opskpi"}'
    assert comparison_operand('a:b{x=~"1|2"} > 6 * 3600') == 'a:b{x=~"1|2"}'
    assert (
        comparison_operand('label_replace(x{y!="all"}, "a", "$1", "b", "(.*)") < 0.95')
        == 'label_replace(x{y!="all"}, "a", "$1", "b", "(.*)")'
    )
    assert comparison_operand("time() - x") == "time() - x"


def test_substitute_template_variables() -> None:
    assert substitute('x{s=~"$severity",w="${window}"}[$__rate_interval]') == (
        'x{s=~"sev1|sev2",w="28d"}[1m]'
    )
    with pytest.raises(KeyError, match="nope"):
        substitute('x{a="$nope"}')


@pytest.fixture(scope="module")
def sample_prometheus() -> Iterator[Prometheus]:
    """A real Prometheus scraping the hand-written exposition, with rules.yml loaded."""
    with serving_exposition(EXPOSITION_SAMPLE) as target, running_prometheus([target]) as prom:
        # increase(...[1m]) needs two samples; the recording rules need one evaluation.
        prom.wait_for('count_over_time(up{job="opskpi"}[1m]) >= 2')
        prom.wait_for_rule_evaluations()
        yield prom


@pytest.mark.integration
@needs_prometheus
def test_every_dashboard_expression_returns_data(sample_prometheus: Prometheus) -> None:
    expressions = dashboard_expressions(DASHBOARD_FILES)
    assert len(expressions) > 40
    assert expression_problems(sample_prometheus, expressions) == []


@pytest.mark.integration
@needs_prometheus
def test_harness_reports_empty_and_broken_expressions(sample_prometheus: Prometheus) -> None:
    problems = expression_problems(
        sample_prometheus,
        [
            Expression("d", "typo", 'opskpi_incident{job="opskpi"}'),
            Expression("d", "broken", 'sum(opskpi_incidents{job="opskpi"}'),
            Expression("d", "fine", 'opskpi_incidents{job="opskpi"}'),
        ],
    )
    assert len(problems) == 2
    assert problems[0].startswith("d / typo: no data")
    assert problems[1].startswith("d / broken: GET /api/v1/query")


@pytest.mark.integration
@needs_prometheus
def test_every_dashboard_variable_has_values(sample_prometheus: Prometheus) -> None:
    queries = dashboard_variable_queries(DASHBOARD_FILES)
    assert {name for name, _, _ in queries} == {"severity", "source", "team", "service"}
    for name, label, match in queries:
        assert sample_prometheus.label_values(label, match), name


@pytest.mark.integration
@needs_prometheus
def test_every_rule_evaluates_and_its_selectors_return_data(sample_prometheus: Prometheus) -> None:
    rules = rule_expressions(RULES_FILE)
    operands = [dataclasses.replace(item, expr=comparison_operand(item.expr)) for item in rules]
    # The whole expression runs without error (alerts may well return nothing) ...
    for item in rules:
        sample_prometheus.query(item.expr)
    # ... and what it compares is there: the selectors match the exporter's families.
    assert expression_problems(sample_prometheus, operands) == []


@pytest.mark.integration
@needs_prometheus
def test_loaded_rules_are_healthy(sample_prometheus: Prometheus) -> None:
    loaded = sample_prometheus.rules()
    assert {rule["name"] for rule in loaded} == {item.name for item in rule_expressions()}
    assert [(r["name"], r.get("lastError")) for r in loaded if r["health"] != "ok"] == []


@pytest.mark.integration
@needs_prometheus
def test_sample_alerts_go_pending_as_expected(sample_prometheus: Prometheus) -> None:
    """The sample has a sev1/sev2 ack ratio and a sev1 resolve ratio below 95 % over 28 d,
    one overdue must-fix action, syncs and a snapshot from long ago (fixed timestamps), and
    Obras' sleep-hour share over 28 d (11/28) above the 0.25 threshold (the organisation's,
    24/143, is below)."""
    found = sorted(
        (
            s["metric"]["alertname"],
            s["metric"].get("incident_severity")
            or s["metric"].get("source")
            or s["metric"].get("team", ""),
        )
        for s in sample_prometheus.query('ALERTS{alertstate=~"pending|firing"}')
    )
    assert found == [
        ("OpskpiAckSlaComplianceBelowTarget", "sev1"),
        ("OpskpiAckSlaComplianceBelowTarget", "sev2"),
        ("OpskpiOverdueMustFixActions", ""),
        ("OpskpiResolveSlaComplianceBelowTarget", "sev1"),
        ("OpskpiSnapshotStale", ""),
        ("OpskpiSyncStale", "argocd"),
        ("OpskpiSyncStale", "opsgenie"),
        ("OpskpiSyncStale", "pagerduty"),
        ("OpskpiSyncStale", "postmortems"),
        ("OpskpiTeamSleepHoursShareHigh", "Obras"),
    ]
