"""Words and numbers for people (app/i18n.py): every key the app uses exists in both languages;
"no data" is never 0; changes carry their sign and unit."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from opskpi.app.i18n.strings import STRINGS
from opskpi.app.i18n.translator import Translator

APP = Path(__file__).resolve().parents[1] / "app"
PT, EN = Translator("pt-BR"), Translator("en")


def test_every_literal_key_used_by_the_app_exists() -> None:
    used = set()
    for path in APP.rglob("*.py"):
        used |= set(re.findall(r'\btr\("([a-z_.0-9]+)"', path.read_text(encoding="utf-8")))
    missing = sorted(used - set(STRINGS) - {"key"})  # "key": the docstring's example
    assert missing == []
    assert all(len(pair) == 2 and all(pair) for pair in STRINGS.values())


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA, pd.NaT])
def test_no_data_is_never_zero(missing) -> None:
    assert PT.dur(missing) == PT.pct(missing) == PT.num(missing) == "sem dados"
    assert EN.dur(missing) == "no data"
    assert PT.delta_dur(missing, 60.0) is None
    assert PT.delta_pp(0.5, missing) is None


def test_numbers_follow_the_language() -> None:
    assert (PT.pct(0.875), EN.pct(0.875)) == ("87,5 %", "87.5 %")
    assert (PT.num(1234), EN.num(1234)) == ("1.234", "1,234")
    assert PT.dur(3900) == EN.dur(3900) == "1 h 05 min"


def test_changes() -> None:
    assert PT.delta_dur(828.0, 520.0) == "+5 min 08 s"
    assert PT.delta_dur(6200.0, 6800.0) == "-10 min"
    assert PT.delta_pp(0.25, 1.0) == "-75,0 p.p."
    assert EN.delta_pp(0.6, 0.5) == "+10.0 pp"
    assert PT.delta_count(3, 3) == "±0"


def test_taxonomy_labels() -> None:
    assert PT.cause("capacity") == "Capacidade"
    assert EN.cause("capacity") == "Capacity"
    assert EN.cause("capacity", "Capacidade (infra)") == "Capacidade (infra)"  # configured wins
