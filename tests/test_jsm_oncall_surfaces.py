"""JSM Operations where on-call load and incidents are shown: the app's "Carga de plantão" page
lists the people JSM paged (streamlit.testing AppTest), and the exporter's incident family
carries ``source="jsm"`` (the real collector over the published snapshot).

The fixture, published with ``[sources.jsm] cutover = "2026-03-05"`` (midnight in São Paulo,
03:00Z), in the app fixture's week 2026-W10 (as of 2026-03-10 12:00Z; the exporter's 7d window
is 03-03 to 03-09 local):

* OA, an Opsgenie alert created Wed 03-04 12:00Z (09:00 local), paged ana@example.com at
  12:00:01 (business hours); JA, its import into JSM (the same tinyId and createdAt), carries
  the same page. Before the cutover OA counts and JA is left out: ana is interrupted once.
* JB, a JSM alert created Fri 03-06 02:00Z (Thu 23:00 local), paged joana@example.com at
  02:00:01 and ana@example.com at 02:10 (sleep hours).

Counted: OA (opsgenie, sev2) and JB (jsm, sev2). Interruptions: OA-ana (business), JB-joana and
JB-ana (sleep) = 3, sleep share 2/3; people 2: ana 2 (one Opsgenie, one JSM), joana 1.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import app_fixture as fx
import pytest
from prometheus_client import CollectorRegistry
from test_collector import registry_over
from test_jsm_oncall_noise import jsm_alert, jsm_log, og

from opskpi.config import load_settings
from opskpi.etl.warehouse.build import build_and_publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.etl.warehouse.landing import land

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

AS_OF = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
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
cutover = "2026-03-05"
"""


def _og_log(text: str, at: str, offset: str) -> dict[str, str]:
    return {"log": text, "type": "system", "owner": "System", "createdAt": at, "offset": offset}


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(tmp_path_factory.mktemp("jsm_oncall")) / "opskpi.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(path)
    con = open_writer(settings.warehouse_path)
    try:
        land(con, "opsgenie", "alert", [og("OA", "2026-03-04T12:00:00.000Z", "100", "a")])
        land(
            con,
            "opsgenie",
            "alert_log",
            [
                _og_log(
                    "Sent [Mobile] notification to ana@example.com", "2026-03-04T12:00:01.000Z", "1"
                )
            ],
            key=lambda r: f"OA/{r['offset']}",
            parent_id="OA",
        )
        land(
            con,
            "jsm",
            "alert",
            [
                jsm_alert("JA", "2026-03-04T12:00:00.000Z", "100", "a"),
                jsm_alert("JB", "2026-03-06T02:00:00.000Z", "900", "b"),
            ],
        )
        lines = {
            "JA": [
                jsm_log(
                    "Sent [Mobile] notification to ana@example.com",
                    "2026-03-04T12:00:01.000Z",
                    spelling="og",
                )
            ],
            "JB": [
                jsm_log(
                    "Sent [Mobile] notification to joana@example.com", "2026-03-06T02:00:01.000Z"
                ),
                jsm_log(
                    "Sent [Mobile] notification to ana@example.com", "2026-03-06T02:10:00.000Z"
                ),
            ],
        }
        for alert_id, logs in lines.items():
            land(
                con,
                "jsm",
                "alert_log",
                logs,
                key=lambda r, a=alert_id: f"{a}/{r.get('logTime') or r['createdAt']}/{r['log']}",
                parent_id=alert_id,
            )
        build_and_publish(settings, con)
    finally:
        con.close()
    return path


def test_the_oncall_page_shows_the_people_jsm_paged(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, page="oncall")
    assert not at.exception
    shown = fx.metrics_of(at)
    assert shown["Interrupções"] == "3"
    assert shown["Interrupções no sono"] == "66,7 %"  # 2/3
    assert shown["Pessoas acionadas"] == "2"
    people = at.dataframe[0].value
    # by sleep hours (1 each), then interruptions: ana 2, joana 1
    assert people["person"].tolist() == ["ana@example.com", "joana@example.com"]
    assert people["interruptions"].tolist() == [2, 1]
    assert people["sources"].tolist() == ["jsm, opsgenie", "jsm"]


@pytest.fixture(scope="module")
def registry(config: Path) -> CollectorRegistry:
    return registry_over(load_settings(config).serving_path, AS_OF, ("opsgenie", "jsm"))


def test_the_exporter_labels_jsm_incidents(registry: CollectorRegistry) -> None:
    def incidents(source: str, window: str) -> float | None:
        labels = {"severity": "sev2", "source": source, "window": window}
        return registry.get_sample_value("opskpi_incidents", labels)

    assert (incidents("jsm", "7d"), incidents("opsgenie", "7d")) == (1, 1)  # JB; OA (JA left out)
    assert incidents("jsm", "28d") == 1
    classes = [
        registry.get_sample_value("opskpi_interruptions", {"window": "7d", "class": c})
        for c in ("business_hours", "off_hours", "sleep_hours")
    ]
    assert classes == [1, 0, 2]
    assert registry.get_sample_value("opskpi_people_interrupted", {"window": "7d"}) == 2
    assert registry.get_sample_value("opskpi_alerts_per_incident", {"window": "7d"}) == 1
