"""The generated Grafana dashboards: golden files, the metric contract, units and variables."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_harness import REPO

from opskpi.grafana import generate
from opskpi.grafana.panels.common import (
    DATASOURCE_UID,
    SELECTOR,
    SLA_COMPLIANCE_TARGET,
)

CONTRACT = REPO / "docs" / "metrics-exporter.md"
PROVISIONING = REPO / "grafana" / "provisioning"
UIDS = {
    "incident-kpis.json": "opskpi-incident-kpis",
    "opskpi-sync-health.json": "opskpi-sync-health",
}


def _boards(language: str = "pt-BR") -> dict[str, dict[str, Any]]:
    """The dashboards as generated (pt-BR: the committed files; "en": English titles)."""
    return {name: json.loads(text) for name, text in generate.rendered(language).items()}


def _panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in board["panels"] if p["type"] != "row"]


def _exprs(panel: dict[str, Any]) -> list[str]:
    return [target["expr"] for target in panel.get("targets", [])]


def _contract_families() -> set[str]:
    return set(re.findall(r"^\| `(opskpi_\w+)` \|", CONTRACT.read_text(encoding="utf-8"), re.M))


def test_committed_dashboards_are_up_to_date() -> None:
    problems = generate.stale_files()
    assert problems == {}, "run `python -m opskpi.grafana.generate`:\n" + "\n".join(
        f"{name}: {why}" for name, why in problems.items()
    )


def test_check_names_the_file_that_differs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate.write(tmp_path)
    assert generate.main(["--check", "--output", str(tmp_path)]) == 0
    edited = tmp_path / "opskpi-sync-health.json"
    edited.write_text(edited.read_text().replace('"1m"', '"5s"'))
    (tmp_path / "hand-made.json").write_text("{}")
    capsys.readouterr()
    assert generate.main(["--check", "--output", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{edited}: differs" in err
    assert "hand-made.json: not produced by grafana.generate" in err
    assert "incident-kpis.json" not in err


def test_generation_is_deterministic() -> None:
    assert generate.rendered() == generate.rendered()


def test_uids_titles_and_tags() -> None:
    boards = _boards()
    assert {name: board["uid"] for name, board in boards.items()} == UIDS
    for board in boards.values():
        assert board["tags"] == ["generated", "opskpi"]
        assert "id" not in board


def test_panel_ids_are_unique() -> None:
    for board in _boards().values():
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids))
        assert min(ids) == 1


def test_every_query_carries_the_selector() -> None:
    for board in _boards().values():
        queries = [e for p in _panels(board) for e in _exprs(p)]
        queries += [v["query"] for v in board["templating"]["list"] if v["type"] == "query"]
        for query in queries:
            selectors = re.findall(r"(?<![\w:])(opskpi_\w+|up)(\{[^}]*\})?", query)
            assert selectors, query
            for name, matchers in selectors:
                assert matchers.startswith("{" + SELECTOR), f"{name}{matchers} in {query}"


def test_dashboards_use_exactly_the_contract_families() -> None:
    families = _contract_families()
    assert len(families) == 48, "docs/metrics-exporter.md table changed: review the dashboards"
    used = {
        name
        for board in _boards().values()
        for panel in _panels(board)
        for expr in _exprs(panel)
        for name in re.findall(r"\b(opskpi_\w+?)(?:\{|\[|\)|$)", expr)
    }
    assert used - families == set(), "families not in the contract"
    assert families - used == set(), "contract families on no dashboard"


def test_units() -> None:
    for board in _boards().values():
        for panel in _panels(board):
            exprs = " ".join(_exprs(panel))
            unit = panel["fieldConfig"]["defaults"].get("unit")
            if "_ratio{" in exprs:
                assert unit == "percentunit", panel["title"]
            elif "_seconds{" in exprs and "_total" not in exprs:
                assert unit == "s", panel["title"]
            else:
                assert unit == "short", panel["title"]


def test_sla_compliance_is_red_below_target() -> None:
    board = _boards("en")["incident-kpis.json"]
    compliance = [p for p in _panels(board) if "SLA compliance" in p["title"]]
    assert len(compliance) == 6
    for panel in compliance:
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        assert steps == [
            {"color": "red", "value": None},
            {"color": "green", "value": SLA_COMPLIANCE_TARGET},
        ]


def test_response_times_draw_the_sla_target() -> None:
    board = _boards("en")["incident-kpis.json"]
    for title, target in [
        ("MTTA — $severity", "opskpi_ack_sla_target_seconds"),
        ("MTTR — $severity", "opskpi_resolve_sla_target_seconds"),
    ]:
        [panel] = [p for p in _panels(board) if p["title"] == title]
        assert panel["repeat"] == "severity"
        assert any(target in e for e in _exprs(panel))
        [override] = panel["fieldConfig"]["overrides"]
        assert override["matcher"] == {"id": "byName", "options": "SLA target"}


def test_stats_are_instant_queries() -> None:
    """A stat must show "no data" when a ratio is not exposed, not its last old value."""
    for board in _boards().values():
        for panel in _panels(board):
            if panel["type"] in {"stat", "bargauge", "piechart"}:
                assert all(t.get("instant") for t in panel["targets"]), panel["title"]


def test_template_variables() -> None:
    variables = {v["name"]: v for v in _boards()["incident-kpis.json"]["templating"]["list"]}
    assert list(variables) == ["datasource", "severity", "source", "window", "team", "service"]
    assert variables["datasource"]["current"]["value"] == DATASOURCE_UID
    assert variables["severity"]["multi"] is True
    assert variables["severity"]["includeAll"] is True
    assert variables["source"]["multi"] is True
    assert variables["window"]["query"] == "7d,28d"
    assert variables["window"]["current"]["value"] == "28d"
    # team and service: the names the config lists, as the exporter serves them
    assert (
        variables["team"]["query"] == 'label_values(opskpi_team_interruptions{job="opskpi"}, team)'
    )
    assert variables["service"]["query"] == (
        'label_values(opskpi_service_incidents{job="opskpi"}, service)'
    )
    assert variables["team"]["multi"] is True and variables["service"]["includeAll"] is True


def test_links_to_the_streamlit_app() -> None:
    """The committed dashboards link to the default config's app: `opskpi app` on its port."""
    assert generate.DEFAULT_APP_URL == "http://127.0.0.1:8501"
    for board in _boards().values():
        urls = [link["url"] for link in board["links"] if link["type"] == "link"]
        assert urls == [generate.DEFAULT_APP_URL]


def test_provisioning_matches_the_dashboards() -> None:
    datasource = yaml.safe_load((PROVISIONING / "datasources" / "opskpi.yml").read_text())
    [source] = datasource["datasources"]
    assert source["uid"] == DATASOURCE_UID
    assert source["type"] == "prometheus"
    # Grafana expands ${VAR} with os.ExpandEnv: no ${VAR:-default} syntax.
    assert source["url"] == "${PROMETHEUS_URL}"
    provider = yaml.safe_load((PROVISIONING / "dashboards" / "opskpi.yml").read_text())
    [files] = provider["providers"]
    assert files["folder"] == "opskpi"
    assert files["type"] == "file"


def test_series_takes_the_exporters_family_and_its_labels_only() -> None:
    from opskpi.grafana.panels.common import series
    from opskpi.metrics.exporter import families

    assert series(families.DEPLOYS, 'window="$window"') == (
        'opskpi_deploys{job="opskpi",window="$window"}'
    )
    with pytest.raises(ValueError, match="opskpi_deploys has no label 'severity'"):
        series(families.DEPLOYS, 'severity=~"$severity"')


def test_the_app_link_and_the_language_come_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "opskpi.toml"
    config.write_text(
        '[report]\nlanguage = "en"\n[app]\nport = 8600\nurl = "https://opskpi.example.com/app"\n'
    )
    out = tmp_path / "dashboards"
    assert generate.main(["--config", str(config), "--output", str(out)]) == 0
    board = json.loads((out / "incident-kpis.json").read_text())
    assert [link["url"] for link in board["links"] if link["type"] == "link"] == [
        "https://opskpi.example.com/app"
    ]
    assert "On-call load" in [p["title"] for p in board["panels"] if p["type"] == "row"]
    without_url = tmp_path / "port.toml"
    without_url.write_text("[app]\nport = 8600\n")
    assert generate.main(["--config", str(without_url), "--output", str(out)]) == 0
    board = json.loads((out / "incident-kpis.json").read_text())
    assert [link["url"] for link in board["links"] if link["type"] == "link"] == [
        "http://127.0.0.1:8600"
    ]


def test_titles_follow_the_language_and_nothing_else_does() -> None:
    """pt-BR (the committed default) and English differ in words only: same panels, same
    queries, same units; every title of the pt-BR build is translated."""
    for name, pt in _boards("pt-BR").items():
        en = _boards("en")[name]
        pt_panels, en_panels = pt["panels"], en["panels"]
        assert [p["type"] for p in pt_panels] == [p["type"] for p in en_panels]
        assert [_exprs(p) for p in pt_panels] == [_exprs(p) for p in en_panels]
    pt_rows = [p["title"] for p in _boards()["incident-kpis.json"]["panels"] if p["type"] == "row"]
    assert pt_rows[0] == "Tempos de resposta"
    assert "Carga de plantão" in pt_rows and "Ruído de alertas" in pt_rows
    en_rows = [
        p["title"] for p in _boards("en")["incident-kpis.json"]["panels"] if p["type"] == "row"
    ]
    assert en_rows[0] == "Response times"
    assert not set(pt_rows) & set(en_rows) - {"Volume", "Releases", "Runbooks"}


def test_check_refuses_a_config() -> None:
    with pytest.raises(SystemExit):
        generate.main(["--check", "--language", "en"])
