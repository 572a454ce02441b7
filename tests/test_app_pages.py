"""Every page of the Streamlit app (streamlit.testing AppTest) against the fixture warehouse of
tests/app_fixture.py, whose KPI values are worked out by hand there (week 2026-W10 judged at
2026-03-10T12:00Z; the week before is 2026-W09)."""

from __future__ import annotations

from pathlib import Path

import app_fixture as fx
import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = Path(tmp_path_factory.mktemp("app_pages"))
    fx.build_fixture(directory)
    return directory / "opskpi.toml"


def frames(at) -> list:
    return [d.value for d in at.dataframe]


def test_overview_shows_every_kpi_with_its_change(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch)
    assert not at.exception
    assert at.title[0].value == "Visão geral"
    assert fx.metrics_of(at) == {
        "Incidentes": "7",
        "MTTA": "13 min 48 s",  # 828 s
        "MTTR": "1 h 43 min",  # 6200 s
        # counts of open or overdue things say their scope (issue 10): the period's
        "Abertos violando SLA (incidentes do período)": "1",
        "SLA de reconhecimento": "60,0 %",
        "SLA de resolução": "80,0 %",
        "Reconhecidos na janela de paging": "40,0 %",
        "Taxa de escalonamento": "14,3 %",
        "Causados por release": "42,9 %",
        "Taxa de falha de mudança": "60,0 %",
        "Cobertura de runbook": "57,1 %",
        "Rollbacks": "1",
        "Aderência RCA": "25,0 %",
        "Must-fix atrasadas (prazo no período)": "1",
        "Ações atrasadas (prazo no período)": "2",
        "Postmortems no prazo": "50,0 %",
    }
    deltas = fx.deltas_of(at)
    assert deltas["Incidentes"] == "+4"
    assert deltas["MTTA"] == "+5 min 08 s"  # 828 − 520
    assert deltas["MTTR"] == "-10 min"  # 6200 − 6800
    assert deltas["Aderência RCA"] == "-75,0 p.p."
    captions = fx.captions_of(at)
    assert "mediana 10 min · p90 26 min · n=5" in "\n".join(captions)  # 600 s, 1560 s
    assert "3/7 (explícitos 1, janela 3)" in captions
    assert "3/5 deploys com incidente" in captions
    per_severity = frames(at)[0].set_index("Severidade")
    assert per_severity.loc["sev1", "SLA reconh."] == "50,0 % (n=2)"
    assert per_severity.loc["sev4", "MTTA"] == "sem dados"  # never acknowledged: not 0
    assert per_severity.loc["sev4", "SLA reconh."] == "—"  # no target: no compliance


def test_filters_come_in_from_the_url(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, {**fx.WEEK_PARAMS, "severity": "sev1"})
    assert at.sidebar.multiselect(key="flt_severity").value == ["sev1"]
    shown = fx.metrics_of(at)
    assert shown["Incidentes"] == "2"
    assert shown["MTTA"] == "7 min"  # (240 + 600) / 2
    assert at.query_params["severity"] == "sev1"


def test_filters_go_out_to_the_url(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch)
    at.sidebar.multiselect(key="flt_service").set_value(["obras-api"]).run()
    assert at.query_params["service"] == "obras-api"
    assert fx.metrics_of(at)["Incidentes"] == "3"  # PW10C, PW10D, PW10F
    at.sidebar.selectbox(key="flt_period").set_value("custom").run()
    assert at.query_params["period"] == "custom"
    assert "week" not in at.query_params
    assert {"since", "until"} <= set(at.query_params)
    at.sidebar.selectbox(key="flt_period").set_value("28d").run()
    assert "period" not in at.query_params  # the default leaves a clean URL
    assert at.query_params["as_of"] == fx.AS_OF_PARAM  # a pinned instant stays


def test_no_data_is_shown_as_such(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, {**fx.WEEK_PARAMS, "team": "Obras"})
    shown = fx.metrics_of(at)
    # Obras' W10 incidents: no postmortem due yet (PW10C pending, PW10D open, PW10F pending)
    assert shown["Postmortems no prazo"] == "sem dados"
    assert "0/0" in fx.captions_of(at)


def test_response_times_page(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, page="response_times")
    assert not at.exception
    assert fx.metrics_of(at) == {
        "sev1 · Tempo de resolução média": "50 min",
        "sev2 · Tempo de resolução média": "3 h 00 min",
        "sev3 · Tempo de resolução média": "1 h 30 min",
        "sev4 · Tempo de resolução média": "30 min",
    }
    assert "alvo ≤ 4 h 00 min: 50,0 % (n=2)" in "\n".join(fx.captions_of(at))
    slowest = frames(at)[0]
    assert slowest["incident_key"].tolist()[:2] == ["pagerduty:PW10B", "pagerduty:PW10C"]
    assert slowest["ttr_text"].tolist()[0] == "5 h 00 min"
    assert len(at.get("plotly_chart")) == 3
    at.segmented_control(key="rt_metric").set_value("tta").run()
    assert fx.metrics_of(at)["sev1 · Tempo de reconhecimento média"] == "7 min"


def test_root_causes_page(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, page="root_causes")
    assert not at.exception
    causes, unclassified = frames(at)
    counts = dict(zip(causes["label"], causes["incidents"], strict=True))
    assert counts["Não classificado"] == 4
    assert causes.set_index("label").loc["Capacidade", "share_text"] == "14,3 %"
    assert sorted(unclassified["incident_key"]) == [
        "opsgenie:og-w10-2",
        "pagerduty:PW10C",
        "pagerduty:PW10D",
        "pagerduty:PW10F",
    ]


def test_releases_page(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, page="releases")
    assert not at.exception
    shown = fx.metrics_of(at)
    assert shown["Taxa de falha de mudança"] == "60,0 %"
    assert shown["Deploys"] == "5"
    assert shown["Rollbacks"] == "1"
    attributed, deploys, failures = frames(at)
    how = dict(zip(attributed["incident_key"], attributed["how"], strict=True))
    assert how == {
        "pagerduty:PW10A": "explícita + janela",
        "pagerduty:PW10B": "janela",
        "pagerduty:PW10D": "janela",
    }
    assert deploys["rollback_text"].tolist().count("sim") == 1
    assert failures["phase"].tolist() == ["Failed"]


def test_actions_page(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, page="actions")
    assert not at.exception
    assert fx.metrics_of(at)["Aderência RCA"] == "25,0 %"
    owners, blockers, every, postmortems = frames(at)
    assert owners.set_index("owner")["overdue_actions"].to_dict() == {"@bruno": 1, "@carla": 1}
    assert blockers["action_id"].tolist() == ["AC-02"]
    assert len(every) == 5  # AC-01, 02, 04, 05 (cancelled, shown) and BC-02 are due in W10
    assert postmortems.set_index("incident_key")["status_text"].to_dict() == {
        "pagerduty:PW10B": "ausente",
    }
    at.segmented_control(key="act_scope").set_value("all").run()
    assert len(frames(at)[2]) == 7  # every action of the fixture


def test_incidents_page_search_and_detail(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, page="incidents")
    assert not at.exception
    assert len(frames(at)[0]) == 8  # merged PW10E listed, marked
    at.text_input(key="inc_q").set_value("obras").run()
    assert at.query_params["q"] == "obras"
    assert sorted(frames(at)[0]["incident_key"]) == [
        "pagerduty:PW10C",
        "pagerduty:PW10D",
        "pagerduty:PW10F",
    ]


def test_incident_detail_from_a_link(config: Path, monkeypatch) -> None:
    params = {**fx.WEEK_PARAMS, "incident": "pagerduty:PW10A"}
    at = fx.app_test(config, monkeypatch, params, page="incidents")
    assert not at.exception
    shown = fx.metrics_of(at)
    assert (shown["TTA"], shown["TTR"], shown["Severidade"]) == ("4 min", "50 min", "sev1")
    facts = frames(at)[1].set_index("Campo")["Valor"].to_dict()
    assert facts["Release"] == (
        "checkout-api-prod @ abc1234def0 · 02/03/2026 09:30 (explícita + janela)"
    )
    assert facts["Causa-raiz"] == "Mudança (config, código, infra) (postmortem)"
    timeline = frames(at)[2]
    assert timeline["offset_text"].tolist() == ["+0 s", "+4 min", "+50 min"]
    assert at.query_params["incident"] == "pagerduty:PW10A"


def test_weekly_review_page_shows_the_report(config: Path, monkeypatch) -> None:
    from opskpi.app.i18n.translator import Translator
    from opskpi.app.review.build import weekly_review
    from opskpi.app.review.document import to_markdown
    from opskpi.config import load_settings
    from opskpi.metrics.snapshot import open_settings_snapshot

    at = fx.app_test(config, monkeypatch, page="weekly_review")
    assert not at.exception
    assert at.selectbox(key="review_week").value == fx.WEEK
    con = open_settings_snapshot(load_settings(config))
    try:
        expected = to_markdown(weekly_review(con, fx.WEEK, fx.AS_OF, Translator("pt-BR")))
    finally:
        con.close()
    assert at.markdown[0].value == expected.rstrip("\n")  # Streamlit trims the last newline
    assert "opskpi report --week 2026-W10 --as-of 2026-03-10T12:00:00+00:00" in [
        c.value for c in at.code
    ]
    at.selectbox(key="review_week").set_value("2026-W09").run()
    assert at.query_params["review_week"] == "2026-W09"
    assert "Revisão operacional semanal — 2026-W09" in at.markdown[0].value


def test_data_health_page(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, page="data_health")
    assert not at.exception
    freshness, runs, issues, gaps, bad, notified = frames(at)
    assert freshness.set_index("source")["status_text"].to_dict()["opsgenie"] == "falhou"
    assert any("opsgenie" in e.value for e in at.error)
    assert len(runs) == 3
    assert set(issues["problem"]) >= {
        "acknowledged before it was created: tta left out of the statistics",
        "Argo CD history truncated between syncs: deploys lost",
    }
    assert gaps["lost_deploys"].tolist() == [1]
    assert bad["incident_key"].tolist() == ["pagerduty:PW10F"]
    assert bad["reason"].tolist() == ["reconhecido antes de criado"]
    # tests/app_fixture.py: Opsgenie og-w10-2 and og-w09-1 (of 3 alerts) name eva; PagerDuty
    # PW10B (Bruno, Carla), PW10E, PW10C, PW10D, PW10F, PW09A (of 8) name someone: 7 people-pages
    coverage = notified.set_index("source")
    assert coverage.loc["opsgenie", ["incidents", "incidents_notified"]].tolist() == [3, 2]
    assert coverage.loc["pagerduty", ["incidents", "incidents_notified"]].tolist() == [8, 6]
    assert coverage.loc["pagerduty", "interruptions"] == 7
    assert not any("nenhuma notificação" in w.value for w in at.warning)


def test_english_by_config(tmp_path: Path, monkeypatch) -> None:
    fx.build_fixture(tmp_path, language="en")
    at = fx.app_test(tmp_path / "opskpi.toml", monkeypatch)
    assert not at.exception
    assert at.title[0].value == "Overview"
    shown = fx.metrics_of(at)
    assert shown["Incidents"] == "7"
    assert shown["Acknowledge SLA"] == "60.0 %"
    assert frames(at)[0].set_index("Severity").loc["sev4", "MTTA"] == "no data"


def test_missing_warehouse_says_how_to_get_data(tmp_path: Path, monkeypatch) -> None:
    at = fx.app_test(fx.empty_config(tmp_path), monkeypatch)
    assert not at.exception
    assert at.title[0].value == "opskpi: ainda não há dados"
    assert "opskpi demo" in [c.value for c in at.code]
    assert not at.sidebar.multiselect  # no filters without data


def test_empty_warehouse_keeps_data_health(tmp_path: Path, monkeypatch) -> None:
    from opskpi.config import load_settings
    from opskpi.etl.warehouse.build import build_and_publish

    config = fx.empty_config(tmp_path)
    build_and_publish(load_settings(config))
    at = fx.app_test(config, monkeypatch)
    assert not at.exception
    assert at.title[0].value == "opskpi: ainda não há dados"
    assert "não tem incidentes nem deploys" in at.info[0].value
    at.switch_page("app_pages/data_health.py").run()
    assert not at.exception
    assert "Nenhuma sincronização registrada." in [i.value for i in at.info]
