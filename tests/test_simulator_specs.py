"""The contract validator: lenient exactly where the reference README says, strict elsewhere."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from simulator_specs import validate

EXAMPLES = [
    ("pagerduty", "/incidents", "pagerduty.list-incidents.200.json", "get"),
    (
        "pagerduty",
        "/incidents/{id}/log_entries",
        "pagerduty.list-incident-log-entries.200.json",
        "get",
    ),
    ("pagerduty", "/incidents/{id}/alerts", "pagerduty.list-incident-alerts.200.json", "get"),
    ("pagerduty", "/analytics/raw/incidents", "pagerduty.analytics-raw-incidents.200.json", "post"),
    ("opsgenie", "/v2/alerts", "opsgenie.list-alerts.200.constructed.json", "get"),
    ("opsgenie", "/v2/alerts/{identifier}", "opsgenie.get-alert.200.constructed.json", "get"),
    (
        "opsgenie",
        "/v2/alerts/{identifier}/logs",
        "opsgenie.list-alert-logs.200.constructed.json",
        "get",
    ),
    ("opsgenie", "/v1/incidents/", "opsgenie.list-incidents.200.constructed.json", "get"),
    ("argocd", "/api/v1/applications", "argocd.list-applications.200.constructed.json", "get"),
    ("argocd", "/api/v1/applications/{name}", "argocd.get-application.200.constructed.json", "get"),
    ("argocd", "/api/v1/session", "argocd.session-create.200.constructed.json", "post"),
]


def _example(reference_dir: Path, name: str) -> dict:
    return json.loads((reference_dir / "examples" / name).read_text())


@pytest.mark.parametrize(("api", "path", "name", "method"), EXAMPLES)
def test_reference_examples_pass(
    reference_dir: Path, api: str, path: str, name: str, method: str
) -> None:
    validate(reference_dir, api, path, _example(reference_dir, name), method=method)


def test_quirks_are_tolerated(reference_dir: Path) -> None:
    body = _example(reference_dir, "pagerduty.list-incident-log-entries.200.json")
    ack = copy.deepcopy(body["log_entries"][0])
    ack["type"] = "acknowledge_log_entry"
    validate(reference_dir, "pagerduty", "/log_entries", {"log_entries": [ack], "more": False})
    incidents = _example(reference_dir, "pagerduty.list-incidents.200.json")
    incidents["incidents"][0]["priority"] = None  # null on a non-nullable reference
    validate(reference_dir, "pagerduty", "/incidents", incidents)


@pytest.mark.parametrize(
    ("api", "path", "name", "breaks"),
    [
        (
            "pagerduty",
            "/incidents",
            "pagerduty.list-incidents.200.json",
            ("incidents", 0, "status", "exploded"),
        ),
        (
            "pagerduty",
            "/incidents",
            "pagerduty.list-incidents.200.json",
            ("incidents", 0, "incident_number", "7"),
        ),
        (
            "opsgenie",
            "/v2/alerts",
            "opsgenie.list-alerts.200.constructed.json",
            ("data", 0, "count", "many"),
        ),
        (
            "argocd",
            "/api/v1/applications/{name}",
            "argocd.get-application.200.constructed.json",
            ("status", "history", 0, "id", "seven"),
        ),
    ],
)
def test_real_mistakes_are_caught(
    reference_dir: Path, api: str, path: str, name: str, breaks: tuple
) -> None:
    body = _example(reference_dir, name)
    node = body
    for key in breaks[:-2]:
        node = node[key]
    node[breaks[-2]] = breaks[-1]
    with pytest.raises(jsonschema.ValidationError):
        validate(reference_dir, api, path, body)


def test_missing_required_keys_are_caught(reference_dir: Path) -> None:
    body = _example(reference_dir, "pagerduty.list-incidents.200.json")
    del body["incidents"]
    with pytest.raises(jsonschema.ValidationError):
        validate(reference_dir, "pagerduty", "/incidents", body)
    alert = _example(reference_dir, "opsgenie.get-alert.200.constructed.json")
    del alert["requestId"]
    with pytest.raises(jsonschema.ValidationError):
        validate(reference_dir, "opsgenie", "/v2/alerts/{identifier}", alert)
