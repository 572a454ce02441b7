"""``write_pages``: API-shaped page files, streamed from parameters or rendered from an org."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from simulator_specs import END, validate

from opskpi.simulator import GenerateParams, generate_from, write_pages

PARAMS = GenerateParams(seed=21, end=END, months=1, incidents_per_day=30)


@pytest.fixture(scope="module")
def streamed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("pages")
    return folder, write_pages(PARAMS, folder, page_size=50)


def _pages(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("page-*.json"))]


def test_counts_match_the_organisation(streamed: tuple[Path, dict[str, int]]) -> None:
    folder, counts = streamed
    org = generate_from(PARAMS)
    pd = [i for i in org.incidents if i.source == "pagerduty"]
    og = [i for i in org.incidents if i.source == "opsgenie"]
    assert counts["pagerduty/incidents"] == len(pd)
    assert counts["opsgenie/alerts"] == len(og)
    assert counts["opsgenie/incidents"] == sum(1 for i in og if i.og_incident_id)
    assert counts["postmortems"] == len(org.postmortems)
    assert counts["pagerduty/log_entries"] > 4 * len(pd)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"] == counts and manifest["params"]["seed"] == 21
    assert len(list((folder / "postmortems").glob("INC-*.md"))) == len(org.postmortems) + 1


def test_pages_are_api_shaped(streamed: tuple[Path, dict[str, int]], reference_dir: Path) -> None:
    folder, counts = streamed
    pages = _pages(folder / "pagerduty" / "incidents")
    assert sum(len(p["incidents"]) for p in pages) == counts["pagerduty/incidents"]
    assert [p["more"] for p in pages] == [True] * (len(pages) - 1) + [False]
    assert [p["offset"] for p in pages] == [50 * i for i in range(len(pages))]
    validate(reference_dir, "pagerduty", "/incidents", pages[0])
    validate(
        reference_dir, "pagerduty", "/log_entries", _pages(folder / "pagerduty" / "log_entries")[0]
    )
    validate(reference_dir, "opsgenie", "/v2/alerts", _pages(folder / "opsgenie" / "alerts")[0])
    apps = json.loads((folder / "argocd" / "applications.json").read_text())
    validate(reference_dir, "argocd", "/api/v1/applications", apps)


def test_streaming_and_rendering_an_org_write_the_same_pages(
    streamed: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    folder, counts = streamed
    again = write_pages(generate_from(PARAMS), tmp_path, page_size=50)
    assert again == counts
    for stream in ("pagerduty/incidents", "pagerduty/log_entries", "opsgenie/alert_logs"):
        assert _pages(folder / stream) == _pages(tmp_path / stream)
