"""Property-based tests of the app's URL-state parser (app/web/state.py): whatever a URL holds,
random or adversarial, ``ViewState.parse`` raises nothing but the module's own error type,
reports what it left out, and yields a view whose period is a valid one (and so is the period
before it, which every page compares with)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opskpi.app.web.state import (
    FILTER_PARAMS,
    MAX_DAY,
    MIN_AS_OF_DAY,
    MIN_DAY,
    SHOWN_CHARS,
    VIEW_PARAMS,
    ViewState,
    ViewStateError,
)
from opskpi.metrics.period import Period

ZONES = ("America/Sao_Paulo", "UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Asia/Kathmandu")
KNOWN = {
    "severity": ("sev1", "sev2", "sev3", "sev4", "unknown"),
    "service": ("checkout-api", "obras-api"),
    "team": ("Obras", "Payments"),
    "source": ("opsgenie", "pagerduty"),
}

# values that look like what each parameter takes, at and beyond every edge, plus any text
dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat)
weeks = st.builds(
    lambda year, week, case: f"{year:04d}-W{week:02d}" if case else f"{year:04d}-w{week:02d}",
    st.integers(0, 9999),
    st.integers(0, 60),
    st.booleans(),
)
instants = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, None]) | st.timezones(),
).map(lambda d: d.isoformat())
edgy = st.sampled_from(
    [
        "",
        " ",
        "0001-01-01",
        "9999-12-31",
        "9999-12-31T23:00:00Z",
        "0001-01-01T00:00:00-23:59",
        "1970-01-01",
        "1969-12-31",
        "2999-12-31",
        "3000-01-01",
        "2026-W53",
        "2020-W53",
        "0000-W01",
        "2026-02-30",
        "2026-03-10T12:00:00 00:00",
        "NaN",
        "\x00",
        "\ud800",
        "`",
        "![x](http://x/y.png)",
        "7d",
        "28d",
        "90d",
        "week",
        "custom",
        *KNOWN["severity"],
        *KNOWN["team"],
    ]
)
values = edgy | dates | weeks | instants | st.text(max_size=80)
param_values = values | st.lists(values, max_size=4) | st.tuples(values, values)
params = st.dictionaries(
    st.sampled_from(VIEW_PARAMS) | st.text(max_size=10), param_values, max_size=len(VIEW_PARAMS) + 2
)
nows = st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(2999, 12, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)


def _check_period(period: Period) -> None:
    assert period.since < period.until
    assert period.as_of.tzinfo is not None
    before = period.previous()
    assert before.until == period.since and before.since < before.until


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=params, known=st.sampled_from([None, KNOWN]), zone=st.sampled_from(ZONES), now=nows)
def test_any_url_gives_a_valid_view(params: dict, known: dict | None, zone: str, now) -> None:
    try:
        view, problems = ViewState.parse(params, known)
        period = view.period(zone, now)
    except ViewStateError:
        return  # the module's own error: allowed (the parser itself never needs it)
    _check_period(period)
    assert view.since is None or MIN_DAY <= view.since < MAX_DAY
    assert view.until is None or MIN_DAY < view.until <= MAX_DAY
    if view.as_of is not None:
        assert view.as_of.tzinfo is not None
        assert MIN_AS_OF_DAY <= view.as_of.date() < MAX_DAY
    for problem in problems:
        assert problem.param in VIEW_PARAMS
        assert len(problem.value) <= SHOWN_CHARS
        assert all(c.isprintable() for c in problem.value)
    if known is not None:
        for name, chosen in zip(FILTER_PARAMS, view._filter_values(), strict=True):
            assert set(chosen) <= set(known[name])
    # what the view writes back to the URL reads back to the same URL, without a problem
    again, again_problems = ViewState.parse(view.to_params(), known)
    assert again_problems == ()
    assert again.to_params() == view.to_params()
    _check_period(again.period(zone, now))


@settings(max_examples=200, deadline=None)
@given(
    since=st.dates(min_value=MIN_DAY, max_value=MAX_DAY - timedelta(days=1)),
    days=st.integers(1, 4000),
    zone=st.sampled_from(ZONES),
    now=nows,
)
def test_a_valid_custom_range_is_taken_as_given(since: date, days: int, zone: str, now) -> None:
    until = min(since + timedelta(days=days), MAX_DAY)
    view, problems = ViewState.parse(
        {"period": "custom", "since": since.isoformat(), "until": until.isoformat()}
    )
    assert problems == ()
    period = view.period(zone, now)
    assert (period.since, period.until) == (since, until)
    _check_period(period)


@settings(max_examples=200, deadline=None)
@given(now=nows, zone=st.sampled_from(ZONES), preset=st.sampled_from(["7d", "28d", "90d"]))
def test_presets_are_the_full_days_before_today(now, zone: str, preset: str) -> None:
    period = ViewState(preset=preset).period(zone, now)
    today = ViewState().today(zone, now)
    assert period.until == today  # today left out
    assert (period.until - period.since).days == int(preset[:-1])
