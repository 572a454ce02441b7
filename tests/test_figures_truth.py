"""Charts that tell the truth (docs/kpis.md §9), in app/web/figures.py and the review's charts:
a partial week is drawn lighter and labelled, an unmeasured week is a gap (no line across it),
every point says its n on hover, fewer than five values show as points (no box), numbers and
dates follow the language. Then the same on real pages (AppTest on tests/app_fixture.py)."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path

import app_fixture as fx
import pandas as pd
import pytest

from opskpi.app.i18n.translator import Translator
from opskpi.app.review.charts import _draw
from opskpi.app.review.document import Chart, Panel, Series
from opskpi.app.web import figures

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PT, EN = Translator("pt-BR"), Translator("en")
W08, W09, W10 = date(2026, 2, 16), date(2026, 2, 23), date(2026, 3, 2)


def weekly(rows: list[tuple[date, str, float | None, int]]) -> pd.DataFrame:
    """kpis/response_times rows at grain week: (bucket, severity, median tta s, n)."""
    return pd.DataFrame(
        [
            {
                "bucket": pd.Timestamp(b),
                "severity": s,
                "tta_median": m,
                "tta_n": n,
                "incidents": n,
                "ack_sla_compliance": None if m is None else 0.5,
                "ack_sla_n": n,
            }
            for b, s, m, n in rows
        ]
    )


# sev1 measured in W08 and W10, nothing in W09; the pooled row has every week
GAP = weekly(
    [
        (W08, "sev1", 120.0, 2),
        (W10, "sev1", 240.0, 3),
        (W08, "all", 120.0, 2),
        (W09, "all", None, 0),
        (W10, "all", 240.0, 3),
    ]
)


def test_no_line_across_an_unmeasured_week() -> None:
    fig = figures.weekly_trend(GAP, "tta", "median", {"sev1": 300.0}, PT)
    line = next(t for t in fig.data if t.name == "sev1")
    assert list(line.x) == ["2026-W08", "2026-W09", "2026-W10"]
    assert list(line.y) == [2.0, None, 4.0]  # 120 s, a gap, 240 s: minutes
    assert line.connectgaps is False
    compliance = figures.weekly_compliance(GAP, "ack", PT)
    sev1 = next(t for t in compliance.data if t.name == "sev1")
    assert list(sev1.y) == [50.0, None, 50.0]


def test_a_partial_week_is_lighter_labelled_and_not_a_drop() -> None:
    fig = figures.weekly_trend(GAP, "tta", "median", {}, PT, partial={W10})
    solid = next(t for t in fig.data if t.name == "sev1")
    assert list(solid.y) == [2.0, None, None]  # the whole weeks only
    (partial,) = [t for t in fig.data if t.name == "sev1 (parcial)"]
    # W09 has no value: the partial point stands alone (nothing to join it to)
    assert list(partial.x) == ["2026-W10"] and list(partial.y) == [4.0]
    assert partial.opacity == figures.PARTIAL_OPACITY and partial.line.dash == "dot"
    assert list(fig.layout.xaxis.ticktext) == ["2026-W08", "2026-W09", "2026-W10<br><i>parcial</i>"]
    bars = figures.weekly_incidents(GAP, EN, partial={W08})
    sev1 = next(t for t in bars.data if t.name == "sev1")
    assert list(sev1.marker.opacity) == [figures.PARTIAL_OPACITY, 1.0]  # W08, W10
    assert bars.layout.xaxis.ticktext[0] == "2026-W08<br><i>partial</i>"


def test_every_point_says_its_n_on_hover() -> None:
    drawn = [
        figures.weekly_trend(GAP, "tta", "median", {"sev1": 300.0}, PT, partial={W10}),
        figures.weekly_compliance(GAP, "ack", PT),
        figures.weekly_incidents(GAP, PT),
        figures.rca_trend(
            pd.DataFrame(
                {
                    "bucket": [pd.Timestamp(W09), pd.Timestamp(W10)],
                    "actions_due": [1, 4],
                    "actions_on_time": [1, 1],
                    "rca_adherence": [1.0, 0.25],
                }
            ),
            PT,
        ),
    ]
    for fig in drawn:
        for trace in fig.data:
            if "alvo" in (trace.name or ""):
                continue  # a target is a line, not a measurement
            assert "n=" in trace.hovertemplate, (fig.layout.title.text, trace.name)
    line = next(t for t in drawn[0].data if t.name == "sev1")
    assert [c[1] for c in line.customdata] == [2, 0, 3]


def test_fewer_than_five_values_are_points_not_a_box() -> None:
    incidents = pd.DataFrame(
        {
            "incident_key": [f"pd:{i}" for i in range(8)],
            "severity": ["sev1"] * 3 + ["sev2"] * 5,
            "tta_seconds": [60.0, 120.0, 180.0, 60.0, 120.0, 180.0, 240.0, 300.0],
        }
    )
    fig = figures.response_distribution(incidents, "tta", {}, PT)
    small, big = fig.data
    assert small.name == "sev1 (n=3)" and small.boxpoints == "all"
    assert small.line.width == 0 and small.fillcolor == "rgba(0,0,0,0)"
    assert small.hoveron == "points"
    assert big.name == "sev2 (n=5)" and big.line.width is None  # a box from five values on


def test_numbers_and_dates_follow_the_language() -> None:
    assert figures.weekly_incidents(GAP, PT).layout.separators == ",."
    assert figures.weekly_incidents(GAP, EN).layout.separators == ".,"
    deploys = pd.DataFrame(
        {
            "app": ["checkout-prod"],
            "revision": ["abc1234def"],
            "deployed_local": [pd.Timestamp(2026, 3, 2, 9, 30)],
            "is_rollback": [False],
            "has_incident": [False],
            "incident_keys": [[]],
            "services": [["checkout-api"]],
        }
    )
    empty = pd.DataFrame(columns=["incident_key", "title", "severity", "created_local", "app"])
    failures = pd.DataFrame(columns=["app", "started_local", "message"])
    pt = figures.deploy_timeline(deploys, empty, failures, PT)
    assert (pt.layout.xaxis.tickformat, pt.layout.xaxis.hoverformat) == ("%d/%m", "%d/%m/%Y %H:%M")
    assert figures.deploy_timeline(deploys, empty, failures, EN).layout.xaxis.tickformat == "%b %d"


def test_release_timeline_has_one_row_per_service_and_distinct_markers() -> None:
    deploys = pd.DataFrame(
        {
            "app": ["checkout-prod", "checkout-canary", "legacy-prod"],
            "revision": ["a" * 10, "b" * 10, "c" * 10],
            "deployed_local": pd.to_datetime(
                ["2026-03-02 09:30", "2026-03-03 10:00", "2026-03-04 10:00"]
            ),
            "is_rollback": [False, True, False],
            "has_incident": [True, False, False],
            "incident_keys": [["pd:A"], [], []],
            "services": [["checkout-api"], ["checkout-api"], []],  # legacy-prod: no service
        }
    )
    incidents = pd.DataFrame(
        {
            "incident_key": ["pd:A", "pd:B"],
            "title": ["checkout down", None],
            "severity": ["sev1", "sev3"],
            "service": ["checkout-api", "obras-api"],
            "created_local": pd.to_datetime(["2026-03-02 10:00", "2026-03-05 08:00"]),
            "app": ["checkout-prod", None],
        }
    )
    failures = pd.DataFrame(
        {"app": ["checkout-canary"], "started_local": [pd.Timestamp(2026, 3, 6)], "message": [None]}
    )
    fig = figures.deploy_timeline(deploys, incidents, failures, PT)
    # two apps of one service share its row; an app without a service keeps its own
    assert list(fig.layout.yaxis.categoryarray) == ["obras-api", "legacy-prod", "checkout-api"]
    by_name = {t.name: t for t in fig.data}
    symbols = {name: trace.marker.symbol for name, trace in by_name.items()}
    assert symbols["Deploy"] == "circle"
    assert symbols["Deploy com incidente"] == "square"
    assert symbols["Rollback"] == "diamond"
    assert symbols["Incidente sev1"] == "star"
    assert symbols["Incidente sev3"] == "triangle-down"
    assert len(set(symbols.values()) - {"x"}) == 5
    assert list(by_name["Sync com falha"].y) == ["checkout-api"]
    assert list(by_name["Sync com falha"].customdata[0]) == ["checkout-canary", "—"]
    assert [c[1] for c in by_name["Incidente sev3"].customdata] == ["—"]  # no title: no "None"
    assert fig.layout.height < 30 * 25 + 200  # 25 rows fit a screen, 30 px each


def test_review_chart_on_the_page_keeps_the_rules() -> None:
    chart = Chart(
        title="t",
        weeks=("2026-W08", "2026-W09", "2026-W10"),
        labels=("16/02", "23/02", "02/03"),
        partial=(False, False, True),
        panels=(
            Panel(
                "sev1 · TTA",
                "duration",
                (Series("mediana", (120.0, None, 240.0), (2, None, 3), "#c62828"),),
                log=True,
            ),
        ),
        summary="s",
    )
    fig = figures.review_chart(chart, PT)
    solid = next(t for t in fig.data if t.name == "mediana")
    assert list(solid.y) == [2.0, None, None] and solid.connectgaps is False
    partial = next(t for t in fig.data if t.name == "mediana (parcial)")
    assert list(partial.y) == [4.0] and partial.opacity == figures.PARTIAL_OPACITY
    assert [c[1] for c in solid.customdata] == ["2", "—", "3"]
    assert "n=%{customdata[1]}" in solid.hovertemplate
    assert list(fig.layout.xaxis.ticktext)[-1] == "02/03<br><i>parcial</i>"
    # the static SVG of the HTML report: a NaN where nothing was measured, so no segment
    figure = _draw(chart, PT)
    (whole,) = [line for line in figure.axes[0].get_lines() if line.get_label() == "mediana"]
    ys = list(whole.get_ydata())
    assert ys[0] == 2.0 and math.isnan(ys[1]) and math.isnan(ys[2])  # W10 drawn apart


# -- on the pages ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = Path(tmp_path_factory.mktemp("truth"))
    fx.build_fixture(directory)
    return directory / "opskpi.toml"


def specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_overview_of_28_days_marks_its_partial_weeks(config: Path, monkeypatch) -> None:
    # the 28 full days before Tue 2026-03-10 (São Paulo): 02-10 .. 03-09; W07 starts 02-09
    # (cut by the period), W11 holds only 03-09: both partial, W08–W10 whole
    at = fx.app_test(config, monkeypatch, {"as_of": fx.AS_OF_PARAM})
    assert not at.exception
    assert specs(at) == []  # no Plotly on the first page: a static SVG
    (svg,) = [m.value for m in at.markdown if m.value.startswith("<svg")]
    texts = re.findall(r">([^<>]+)</(?:text|tspan)>", svg)
    assert texts.count("parcial") == 2
    tips = re.findall(r"<title>([^<]*)</title>", svg)
    # a hover text per bar: week, severity, n (sev1: PW09A in W09, PW10A and PW10D in W10)
    assert "2026-W09 · sev1: n=1" in tips and "2026-W10 · sev1: n=2" in tips
    assert "2026-W07 (parcial) · sev1: n=0" in tips
    assert len(tips) == 5 * 4  # 5 weeks × sev1–sev4


def test_weekly_review_page_draws_the_review_charts(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, page="weekly_review")
    assert not at.exception
    assert at.get("plotly_chart") == []  # the document first; its charts on demand
    at.segmented_control(key="review_view").set_value("trends").run()
    assert not at.exception
    titles = [s["layout"]["title"]["text"] for s in specs(at)]
    assert titles == [
        "Incidentes por semana, por severidade",
        "Tempos de reconhecimento e de resolução: mediana e p90 contra o alvo",
        "Cumprimento do SLA por semana",
        "Incidentes causados por release, por semana",
    ]


def test_incident_detail_says_what_the_escalations_count(config: Path, monkeypatch) -> None:
    params = {**fx.WEEK_PARAMS, "incident": "pagerduty:PW10B"}
    at = fx.app_test(config, monkeypatch, params, page="incidents")
    # PW10B: one escalation (18:15) before its first acknowledgement (18:20)
    assert fx.metrics_of(at)["Escalonamentos antes do 1º reconhecimento"] == "1"


def test_tables_say_dash_not_none_and_keep_the_key_in_view(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, page="releases")
    deploys = at.dataframe[1].value
    assert sorted(deploys["rollback_text"]) == ["não", "não", "não", "não", "sim"]  # 5 deploys
    at = fx.app_test(config, monkeypatch, page="incidents")
    listing = at.dataframe[0]
    assert listing.proto.placeholder == "—"
    columns = json.loads(listing.proto.columns)
    assert columns["incident_key"]["pinned"] is True
    shown = listing.value
    assert "None" not in shown.astype(str).to_numpy().ravel().tolist()
    # og-w10-2: never acknowledged, no target breach marks: "—", not an empty cell
    row = shown.set_index("incident_key").loc["opsgenie:og-w10-2"]
    assert row["merged_text"] == "—"


def test_data_health_reasons_in_the_ui_language(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, page="data_health")
    issues = at.dataframe[2].value
    shown = dict(zip(issues["field"], issues["problem_text"], strict=False))
    assert shown["acknowledged_at"] == "reconhecido antes de ser criado: tta fora das estatísticas"
    assert "histórico do Argo CD truncado entre sincronizações: deploys perdidos" in set(
        issues["problem_text"]
    )
    columns = json.loads(at.dataframe[2].proto.columns)
    assert columns["problem"]["hidden"] is True  # the SQL's own wording stays in the data only


def test_times_are_human_in_the_reporting_zone(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch)
    header = fx.captions_of(at)[0]
    assert header.endswith("avaliado em 10/03/2026 09:00 (America/Sao_Paulo)")
    assert "UTC" not in header


def test_a_large_distribution_is_a_box_with_its_outliers() -> None:
    # 1 … 300 minutes and one of 5,000: n = 301. Linear quantiles over the sorted values:
    # q1 at position 0.25 · 300 = 75 → 76, median at 150 → 151, q3 at 225 → 226; IQR 150,
    # fences 76 − 225 < 1 and 226 + 225 = 451: 5,000 is the one outlier, the whiskers 1 and 300
    minutes = [*range(1, 301), 5000]
    many = pd.DataFrame(
        {
            "incident_key": [f"pd:{i}" for i in range(301)],
            "severity": ["sev3"] * 301,
            "ttr_seconds": [60.0 * m for m in minutes],
        }
    )
    box, outliers = figures.response_distribution(many, "ttr", {}, PT).data
    assert box.name == "sev3 (n=301)" and box.y is None  # the statistics, not 301 values
    assert (box.q1, box.median, box.q3) == ((76.0,), (151.0,), (226.0,))
    assert (box.lowerfence, box.upperfence) == ((1.0,), (300.0,))
    assert list(outliers.y) == [5000.0]
    assert list(outliers.customdata[0]) == ["pd:300", "3 d 11 h"]  # 300,000 s


@pytest.fixture(scope="module")
def crowded_week(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture plus 2,005 sev3 incidents in W10 (Wednesday 03-04, a minute apart)."""
    import payloads as p

    from opskpi.config import load_settings
    from opskpi.etl.warehouse.build import build_and_publish
    from opskpi.etl.warehouse.connect import open_writer
    from opskpi.etl.warehouse.landing import land

    directory = Path(tmp_path_factory.mktemp("crowded_week"))
    config = fx.write_config(directory)
    settings = load_settings(config)
    con = open_writer(settings.warehouse_path)
    try:
        fx.land_fixture(con)
        start = pd.Timestamp("2026-03-04T12:00:00Z")
        extra = [
            p.pd_incident(
                f"PX{i:04d}",
                (start + pd.Timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                resolved_at=(start + pd.Timedelta(minutes=i + 30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                priority="P3",
            )
            for i in range(2005)
        ]
        land(con, "pagerduty", "incident", extra)
        build_and_publish(settings, con)
    finally:
        con.close()
    return config


def test_the_incident_list_says_when_it_stops(crowded_week: Path, monkeypatch) -> None:
    at = fx.app_test(crowded_week, monkeypatch, page="incidents")
    assert not at.exception
    assert len(at.dataframe[0].value) == 2000
    # W10: the fixture's 7 incidents + PW10E (merged, listed) + 2,005 = 2,013
    assert (
        "mostrando 2.000 de 2.013 incidentes (mesclados inclusos, marcados): refine a busca ou o "
        "período, ou baixe todos em CSV."
    ) in fx.captions_of(at)
    assert "Baixar todos (CSV)" in [b.label for b in at.get("download_button")]
    # the unclassified list stops at 1,000: the fixture's 4 + the 2,005 have no cause
    at = fx.app_test(crowded_week, monkeypatch, page="root_causes")
    assert (
        "mostrando 1.000 de 2.009 incidentes não classificados: refine o período ou os filtros "
        "para ver os outros."
    ) in fx.captions_of(at)
