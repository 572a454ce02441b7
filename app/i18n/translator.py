"""Words and number formats of the app and the weekly report: Brazilian Portuguese by default,
English when the config says ``report.language = "en"``.

Every string has both languages on one line, so a missing translation cannot exist. Numbers
follow the language (``87,5 %`` / ``87.5 %``); durations use ``app.format`` ("1 h 05 min").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from opskpi.app.i18n import format as fmt
from opskpi.app.i18n.strings import QUARANTINE_REASONS_PT, STRINGS
from opskpi.config.vocabulary import POOLED, ROOT_CAUSE_BY_KEY, UNKNOWN_SEVERITY

LANGUAGES = ("pt-BR", "en")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MINUS = "-"  # ASCII: st.metric reads a leading "-" as a decrease


def _missing(value: Any) -> bool:
    """None, NaN, pandas NA/NaT: nothing measured."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


@dataclass(frozen=True)
class Translator:
    """``tr("key", n=3)`` gives the string in the configured language, formatted."""

    language: str = "pt-BR"

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, got {self.language!r}")

    @property
    def is_pt(self) -> bool:
        return self.language == "pt-BR"

    def __call__(self, key: str, /, **values: Any) -> str:
        pt, en = STRINGS[key]
        text = pt if self.is_pt else en
        return text.format(**values) if values else text

    # -- numbers for people ------------------------------------------------------------------
    @property
    def no_data(self) -> str:
        return self("no_data")

    def _decimal(self, text: str) -> str:
        return text.replace(".", ",") if self.is_pt else text

    def dur(self, seconds: float | None) -> str:
        return self.no_data if _missing(seconds) else fmt.duration(seconds)

    def pct(self, share: float | None, digits: int = 1) -> str:
        if _missing(share):
            return self.no_data
        return self._decimal(fmt.percent(share, digits=digits))

    def num(self, value: float | None) -> str:
        if value is None or _missing(value):
            return self.no_data
        if float(value) == int(value):
            text = f"{int(value):,}"
            return text.replace(",", ".") if self.is_pt else text
        return self._decimal(f"{value:.1f}")

    def ratio(self, part: int | None, whole: int | None) -> str:
        """``3/7`` — the n of a share."""
        return f"{part or 0}/{whole or 0}"

    def when(self, value: datetime | None) -> str:
        if value is None or _missing(value):
            return "—"
        return value.strftime("%d/%m/%Y %H:%M" if self.is_pt else "%Y-%m-%d %H:%M")

    def short_day(self, value: date) -> str:
        """A day without the year, for axes: ``23/11`` (``Nov 23`` in English)."""
        if self.is_pt:
            return value.strftime("%d/%m")
        return f"{_EN_MONTHS[value.month - 1]} {value.day}"

    def short_when(self, value: datetime | None) -> str:
        """A local time without the year (inside a week under review): ``25/11 16:16``."""
        if value is None or _missing(value):
            return "—"
        return f"{self.short_day(value)} {value.strftime('%H:%M')}"

    def instant(self, value: datetime | None, timezone: str) -> str:
        """An instant for people, in the reporting time zone and saying so:
        ``04/12/2026 18:05 (America/Sao_Paulo)`` (``2026-12-04 18:05 (…)`` in English)."""
        if value is None or _missing(value):
            return "—"
        local = value.astimezone(ZoneInfo(timezone)) if value.tzinfo else value
        return f"{self.when(local)} ({timezone})"

    def day(self, value: date | None) -> str:
        if value is None or _missing(value):
            return "—"
        return value.strftime("%d/%m/%Y" if self.is_pt else "%Y-%m-%d")

    # -- changes against the previous period ---------------------------------------------
    @staticmethod
    def _sign(delta: float) -> str:
        return "+" if delta > 0 else (MINUS if delta < 0 else "±")

    def delta_dur(self, current: float | None, previous: float | None) -> str | None:
        if current is None or previous is None or _missing(current) or _missing(previous):
            return None
        delta = current - previous
        return f"{self._sign(delta)}{fmt.duration(abs(delta))}"

    def delta_pp(self, current: float | None, previous: float | None) -> str | None:
        """Change of a share in percentage points."""
        if current is None or previous is None or _missing(current) or _missing(previous):
            return None
        delta = (current - previous) * 100
        unit = "p.p." if self.is_pt else "pp"
        return f"{self._sign(delta)}{self._decimal(f'{abs(delta):.1f}')} {unit}"

    def delta_count(self, current: float | None, previous: float | None) -> str | None:
        if current is None or previous is None or _missing(current) or _missing(previous):
            return None
        delta = int(current) - int(previous)
        return f"{self._sign(delta)}{abs(delta)}"

    def delta_num(self, current: float | None, previous: float | None) -> str | None:
        """Change of a mean (alerts per incident), to one decimal."""
        if current is None or previous is None or _missing(current) or _missing(previous):
            return None
        delta = round(current - previous, 1)
        return f"{self._sign(delta)}{self._decimal(f'{abs(delta):.1f}')}"

    # -- vocabularies ----------------------------------------------------------------------
    def severity(self, key: str | None) -> str:
        if not key or key == POOLED:
            return self("all_severities")
        return self("sev_unknown") if key == UNKNOWN_SEVERITY else key

    def cause(self, key: str, configured: str | None = None) -> str:
        """A taxonomy key's label: the config's (pt-BR as the organisation writes them), or the
        English default when the language is English and the config kept the default label."""
        default = ROOT_CAUSE_BY_KEY.get(key)
        label = configured or (default.label if default else key)
        if not self.is_pt and default is not None and label == default.label:
            return default.english
        return label

    def reason(self, text: str | None) -> str:
        """A data-health reason (English in the SQL) in the language; one it does not know (a
        parser's message) as it is."""
        if text is None or _missing(text):
            return "—"
        if not self.is_pt:
            return text
        if text in QUARANTINE_REASONS_PT:
            return QUARANTINE_REASONS_PT[text]
        if text.endswith(" without an id"):
            return f"{text.removesuffix(' without an id')} sem id"
        if text.startswith("not a JSON object: "):
            return "não é um objeto JSON: " + text.removeprefix("not a JSON object: ")
        return text

    def word(self, group: str, key: Any) -> str:
        """A value of a vocabulary (event kinds, statuses, ...): ``word("status", "open")``."""
        name = f"{group}.{key}"
        return self(name) if name in STRINGS else str(key)


def translator_for(settings: Any) -> Translator:
    return Translator(settings.model.report.language)
