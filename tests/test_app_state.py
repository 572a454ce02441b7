"""The view ↔ URL round trip (app/state.py), without Streamlit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from opskpi.app.web.state import ViewState, parse_week, previous_full_week
from opskpi.metrics.period import Filters

TZ = "America/Sao_Paulo"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_defaults_have_a_clean_url() -> None:
    view = ViewState.from_params({})
    assert view == ViewState()
    assert view.to_params() == {}
    assert view.filters() == Filters()


def test_round_trip_of_every_parameter() -> None:
    params = {
        "period": "custom",
        "since": "2026-02-01",
        "until": "2026-03-01",
        "severity": ["sev1", "sev2"],
        "service": "obras-api",
        "team": ["Obras"],
        "source": ["pagerduty"],
        "as_of": "2026-03-10T12:00:00+00:00",
    }
    view = ViewState.from_params(params)
    assert view.filters() == Filters(("sev1", "sev2"), ("obras-api",), ("Obras",), ("pagerduty",))
    assert view.to_params() == {**params, "service": ["obras-api"]}
    assert ViewState.from_params(view.to_params()) == view
    period = view.period(TZ)
    assert (period.since, period.until, period.as_of) == (date(2026, 2, 1), date(2026, 3, 1), NOW)


def test_rolling_presets_are_the_full_days_before_today_in_the_reporting_time_zone() -> None:
    # 2026-03-10 01:00 UTC is still 2026-03-09 (22:00) in São Paulo: today is the 9th, left out;
    # the 7 full days before it are 03-02 .. 03-08 → [03-02, 03-09) (as the CLI's default,
    # docs/kpis.md "The default period"; until issue 10 the presets included today)
    view = ViewState.from_params({"period": "7d", "as_of": "2026-03-10T01:00:00Z"})
    period = view.period(TZ)
    assert (period.since, period.until) == (date(2026, 3, 2), date(2026, 3, 9))


def test_iso_week_and_its_default() -> None:
    view = ViewState.from_params({"period": "week", "week": "2026-w10"})
    assert view.week == "2026-W10"
    assert view.period(TZ, NOW).since == date(2026, 3, 2)
    # no week given: the last full week before today (2026-03-10 → W10 ended on the 8th)
    assert ViewState(preset="week").period(TZ, NOW).since == date(2026, 3, 2)
    assert previous_full_week(date(2026, 3, 9)) == "2026-W10"


@pytest.mark.parametrize(
    "params",
    [
        {"period": "yesterday"},
        {"period": "week", "week": "2026-W54"},
        {"period": "custom", "since": "2026-03-10", "until": "2026-03-01"},
        {"period": "custom", "since": "not a date"},
        {"as_of": "soon"},
    ],
)
def test_bad_values_fall_back_to_the_defaults(params: dict) -> None:
    view = ViewState.from_params(params)
    period = view.period(TZ, NOW)
    assert (period.until - period.since).days in (7, 28)
    assert view.as_of is None or view.as_of.tzinfo is not None


def test_parse_week() -> None:
    assert parse_week("2026-W10") == (2026, 10)
    assert parse_week("2020-W53") == (2020, 53)
    assert parse_week("2025-W53") is None  # 2025 has 52 ISO weeks
    assert parse_week("2026-10") is None


def test_query_string_adds_page_parameters() -> None:
    view = ViewState.from_params({"period": "week", "week": "2026-W10", "severity": ["sev1"]})
    assert view.query_string(incident="pagerduty:P1") == (
        "period=week&week=2026-W10&severity=sev1&incident=pagerduty%3AP1"
    )
