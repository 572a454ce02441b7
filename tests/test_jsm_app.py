"""The app with JSM Operations data (streamlit.testing AppTest): the continuity alerts of
tests/test_jsm_models.py with a cutover, published; the data-health page shows the records left
out, the pairs and the spellings; a JSM incident opens with its link back to the site."""

from __future__ import annotations

from pathlib import Path

import app_fixture as fx
import pytest
from test_jsm_models import JSM_ALERTS, OPSGENIE

from opskpi.config import load_settings
from opskpi.etl.warehouse.build import build_and_publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.etl.warehouse.landing import land

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CONFIG = """\
[report]
timezone = "America/Sao_Paulo"

[warehouse]
path = "warehouse/opskpi.duckdb"

[sources.opsgenie]
api_key_env = "OPSGENIE_API_KEY"

[sources.jsm]
site = "https://acme.atlassian.net"
cloud_id = "c0ffee"
email_env = "JSM_EMAIL"
api_token_env = "JSM_API_TOKEN"
cutover = "2026-03-09"
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(tmp_path_factory.mktemp("jsm_app")) / "opskpi.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(path)
    con = open_writer(settings.warehouse_path)
    try:
        land(con, "opsgenie", "alert", OPSGENIE)
        land(con, "jsm", "alert", JSM_ALERTS)
        line = {"logTime": "2026-03-16T10:00:00.000Z", "logType": "system", "log": "created"}
        land(con, "jsm", "alert_log", [line], key=lambda _: "J8/1", parent_id="J8")
        build_and_publish(settings, con)
    finally:
        con.close()
    return path


def test_data_health_shows_continuity_pairs_and_spellings(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, page="data_health")
    assert not at.exception
    assert "Opsgenie → JSM Operations" in [h.value for h in at.subheader]
    frames = {tuple(f.value.columns): f.value for f in at.dataframe}
    left_out = next(v for k, v in frames.items() if "with_twin" in k)
    # tests/test_jsm_models.py: 3 JSM and 4 Opsgenie records left out, 5 of them with a twin
    assert int(left_out["records"].sum()) == 7 and int(left_out["with_twin"].sum()) == 5
    pairs = next(v for k, v in frames.items() if "matched_by" in k)
    assert len(pairs) == 5
    assert "Mostrando 5 de 5 pares (os mais recentes)." in [c.value for c in at.caption]
    assert pairs.iloc[0]["jsm_key"] == "jsm:J3"  # the newest first
    spellings = next(v for k, v in frames.items() if "spelling" in k)
    # the alerts carry none of the fields spelt two ways; the one log line the spec's
    assert spellings[["object", "spelling", "records"]].values.tolist() == [["alert log", "jsm", 1]]


def test_a_jsm_incident_links_back_to_the_site(config: Path, monkeypatch) -> None:
    params = {**fx.WEEK_PARAMS, "incident": "jsm:J6"}
    at = fx.app_test(config, monkeypatch, params, page="incidents")
    assert not at.exception
    assert any(m.value.startswith("#### jsm:J6") for m in at.markdown)
    buttons = [b for b in at.get("link_button")]
    assert [b.proto.label for b in buttons] == ["Abrir no JSM"]
    assert buttons[0].proto.url == "https://acme.atlassian.net/jira/ops/alerts/J6"
