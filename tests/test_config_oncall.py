"""The [oncall] and [noise] keys: defaults, clock ranges, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from opskpi.config import ConfigError, settings_from_dict
from opskpi.config.clock import ClockRange, parse_clock_range
from opskpi.config.model import SettingsModel


def _model(data: dict[str, object]) -> SettingsModel:
    return settings_from_dict(data, base_dir=Path("."), origin="opskpi.toml").model


def test_defaults_are_the_policys() -> None:
    model = _model({})
    assert model.oncall.business_hours == ClockRange(8 * 3600, 18 * 3600)
    assert model.oncall.sleep_hours == ClockRange(22 * 3600, 8 * 3600)
    assert model.oncall.sleep_hours_share_threshold == 0.25
    assert model.noise.flap_window.seconds == 300


def test_a_range_wraps_midnight_when_it_ends_before_it_starts() -> None:
    sleep = parse_clock_range("22:00-08:00")
    assert sleep.wraps
    assert [sleep.contains(s) for s in (79199, 79200, 0, 28799, 28800)] == [
        False,  # 21:59:59
        True,  # 22:00
        True,  # 00:00
        True,  # 07:59:59
        False,  # 08:00
    ]
    evening = parse_clock_range("18:00-24:00")
    assert not evening.wraps and evening.contains(86399) and not evening.contains(0)
    assert str(evening) == "18:00-24:00"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"oncall": {"business_hours": "8-18"}},
            "opskpi.toml: oncall.business_hours: expected hours like '08:00-18:00'",
        ),
        (
            {"oncall": {"sleep_hours": "22:00-22:00"}},
            "oncall.sleep_hours: expected a start and an end that differ",
        ),
        (
            {"oncall": {"business_hours": "20:00-06:00", "sleep_hours": "23:00-05:00"}},
            "oncall.business_hours: business hours must start and end on the same day",
        ),
        (
            {"oncall": {"business_hours": "07:00-18:00"}},
            "oncall: business_hours '07:00-18:00' and sleep_hours '22:00-08:00' overlap",
        ),
        (
            {"oncall": {"sleep_hours_share_threshold": 1.5}},
            "oncall.sleep_hours_share_threshold",
        ),
        ({"oncall": {"nap_hours": "13:00-14:00"}}, "oncall.nap_hours: unknown key"),
        ({"noise": {"flap_window": "soon"}}, "noise.flap_window: expected a duration"),
    ],
)
def test_bad_values_name_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _model(data)
    assert message in str(caught.value)


def test_touching_ranges_do_not_overlap() -> None:
    """Business 08:00-18:00 and sleep 18:00-08:00 touch at 18:00 and 08:00: allowed."""
    model = _model({"oncall": {"sleep_hours": "18:00-08:00"}})
    assert model.oncall.sleep_hours == ClockRange(18 * 3600, 8 * 3600)
