"""The Plotly figures of app/figures.py: pure DataFrame → Figure functions, no Streamlit."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from opskpi.app.i18n.translator import Translator
from opskpi.app.web import figures

TR = Translator("pt-BR")
TARGETS = {"sev1": 300.0, "sev2": 900.0, "sev3": 3600.0, "sev4": None}


def _incidents() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "incident_key": ["pd:A", "pd:B", "pd:C", "og:D"],
            "severity": ["sev1", "sev1", "sev2", "sev4"],
            "tta_seconds": [240.0, 600.0, None, 60.0],
            "ttr_seconds": [3000.0, None, 18000.0, 1800.0],
        }
    )


def _weekly() -> pd.DataFrame:
    weeks = [date(2026, 2, 23), date(2026, 3, 2)]
    rows = []
    for severity, medians, n, sla in (
        ("sev1", [360.0, 420.0], [1, 2], [0.0, 0.5]),
        ("sev4", [None, 60.0], [0, 1], [None, None]),
        ("all", [600.0, 600.0], [3, 5], [2 / 3, 0.6]),
    ):
        for week, median, count, share in zip(weeks, medians, n, sla, strict=True):
            rows.append(
                {
                    "bucket": pd.Timestamp(week),
                    "severity": severity,
                    "tta_median": median,
                    "tta_n": count,
                    "ack_sla_compliance": share,
                    "ack_sla_n": 0 if severity == "sev4" else count,
                    "incidents": count,
                }
            )
    return pd.DataFrame(rows)


def test_distribution_has_a_box_per_severity_in_minutes_with_targets() -> None:
    fig = figures.response_distribution(_incidents(), "tta", TARGETS, TR)
    boxes = [t for t in fig.data if t.type == "box"]
    assert [t.name for t in boxes] == ["sev1 (n=2)", "sev4 (n=1)"]  # sev2 has no tta
    assert list(boxes[0].y) == [4.0, 10.0]
    assert boxes[0].quartilemethod == "linear"
    assert [c[1] for c in boxes[0].customdata] == ["4 min", "10 min"]
    (target,) = [t for t in fig.data if t.type == "scatter"]
    assert list(target.x) == ["sev1"]  # sev4 has no target
    assert list(target.y) == [5.0]
    assert fig.layout.yaxis.type == "log"


def test_weekly_trend_draws_each_severity_and_its_target() -> None:
    fig = figures.weekly_trend(_weekly(), "tta", "median", TARGETS, TR)
    # 'all' is not a severity line; sev4 has no target
    assert [t.name for t in fig.data] == ["sev1", "alvo de SLA sev1", "sev4"]
    assert list(fig.data[0].x) == ["2026-W09", "2026-W10"]
    assert list(fig.data[0].y) == [6.0, 7.0]
    assert list(fig.data[1].y) == [5.0, 5.0]  # sev1's 5 min, dashed
    assert fig.data[1].line.dash == "dash"
    assert fig.layout.xaxis.type == "category"
    assert fig.layout.yaxis.type == "log"
    assert list(fig.layout.yaxis.ticktext)[:3] == ["1 min", "5 min", "15 min"]


def test_weekly_compliance_is_in_percent_with_n() -> None:
    fig = figures.weekly_compliance(_weekly(), "ack", TR)
    assert [t.name for t in fig.data] == ["sev1", "todas"]  # sev4: no target, no line
    assert list(fig.data[0].y) == [0.0, 50.0]
    assert list(fig.data[1].customdata) == [3, 5]
    assert fig.data[1].line.dash == "dot"


def test_incidents_per_week_are_stacked_by_severity() -> None:
    fig = figures.weekly_incidents(_weekly(), TR)
    assert fig.layout.barmode == "stack"
    assert {t.name: list(t.y) for t in fig.data} == {"sev1": [1, 2], "sev4": [0, 1]}


def test_root_causes() -> None:
    frame = pd.DataFrame(
        {
            "bucket": [pd.Timestamp(2026, 3, 2)] * 2,
            "root_cause": ["change", "unclassified"],
            "incidents": [1, 4],
            "share": [1 / 5, 4 / 5],
        }
    )
    labels = {"change": "Mudança", "unclassified": "Não classificado"}
    trend = figures.root_cause_trend(frame, labels, TR)
    assert [t.name for t in trend.data] == ["Mudança", "Não classificado"]
    assert list(trend.data[1].customdata) == ["80,0 %"]
    share = figures.root_cause_share(frame, labels, TR)
    assert list(share.data[0].y) == ["Não classificado", "Mudança"]
    assert list(share.data[0].text) == ["4 · 80,0 %", "1 · 20,0 %"]


def test_deploy_timeline_rows_and_overlay() -> None:
    deploys = pd.DataFrame(
        {
            "app": ["checkout-prod", "checkout-prod", "obras-prod"],
            "revision": ["abc1234def", "bbb2222bbb", "ccc3333ccc"],
            "deployed_local": [
                datetime(2026, 3, 2, 9, 30),
                datetime(2026, 3, 3, 16),
                datetime(2026, 3, 4, 6),
            ],
            "is_rollback": [False, True, False],
            "has_incident": [True, False, False],
            "incident_keys": [["pd:A"], [], []],
        }
    )
    incidents = pd.DataFrame(
        {
            "incident_key": ["pd:A", "og:B"],
            "title": ["checkout down", "queue stuck"],
            "severity": ["sev1", "sev2"],
            "created_local": [datetime(2026, 3, 2, 10), datetime(2026, 3, 6, 7)],
            "app": ["checkout-prod", None],
        }
    )
    failures = pd.DataFrame(
        {
            "app": ["obras-prod"],
            "started_local": [datetime(2026, 3, 6, 7)],
            "message": ["failed to apply"],
        }
    )
    fig = figures.deploy_timeline(deploys, incidents, failures, TR)
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["Deploy com incidente"].y) == ["checkout-prod"]
    assert list(by_name["Rollback"].customdata[0]) == ["bbb2222bbb", "—"]
    assert list(by_name["Sync com falha"].y) == ["obras-prod"]
    assert list(by_name["Incidente sev2"].y) == ["(sem app)"]
    assert list(fig.layout.yaxis.categoryarray) == ["(sem app)", "obras-prod", "checkout-prod"]


def test_rca_trend_and_overdue_by_owner() -> None:
    weekly = pd.DataFrame(
        {
            "bucket": [pd.Timestamp(2026, 2, 23), pd.Timestamp(2026, 3, 2)],
            "actions_due": [1, 4],
            "actions_on_time": [1, 1],
            "rca_adherence": [1.0, 0.25],
        }
    )
    fig = figures.rca_trend(weekly, TR)
    assert list(fig.data[1].y) == [100.0, 25.0]
    assert fig.data[1].yaxis == "y2"
    owners = pd.DataFrame(
        {
            "owner": ["@bruno", "@carla"],
            "overdue_actions": [1, 1],
            "overdue_must_fix": [1, 0],
            "overdue_other": [0, 1],
        }
    )
    fig = figures.overdue_by_owner(owners, TR)
    assert [list(t.x) for t in fig.data] == [[0, 1], [1, 0]]  # bottom-up: @carla, @bruno
    assert fig.layout.barmode == "stack"


@pytest.mark.parametrize("language", ["pt-BR", "en"])
def test_titles_follow_the_language(language: str) -> None:
    fig = figures.weekly_incidents(_weekly(), Translator(language))
    expected = {"pt-BR": "Incidentes por semana", "en": "Incidents per week"}[language]
    assert fig.layout.title.text == expected


def test_weeks_stay_in_calendar_order_when_a_trace_lacks_one() -> None:
    weekly = pd.DataFrame(
        {
            "bucket": pd.to_datetime(["2026-03-02", "2026-02-23", "2026-03-02"]),
            "severity": ["sev1", "sev3", "sev3"],
            "incidents": [1, 2, 3],
        }
    )
    fig = figures.weekly_incidents(weekly, TR)
    assert list(fig.layout.xaxis.categoryarray) == ["2026-W09", "2026-W10"]
    assert list(fig.data[0].x) == ["2026-W10"]  # sev1, drawn first, has only the later week
