"""The warnings the app shows for URL values it cannot use (``app/web/state.py`` finds them):
each names the parameter, the value as text (never Markdown), what the parameter accepts, and
that the default is used instead."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import streamlit as st

from opskpi.app.i18n.translator import Translator
from opskpi.app.web.state import MAX_DAY, MIN_AS_OF_DAY, MIN_DAY, UrlProblem
from opskpi.app.web.text import as_text

MAX_LISTED = 40  # valid values listed in one warning; the rest are counted


def listed(tr: Translator, values: Sequence[str]) -> str:
    shown = ", ".join(as_text(v) for v in values[:MAX_LISTED]) or tr("none")
    if len(values) > MAX_LISTED:
        shown += " " + tr("url.more", n=len(values) - MAX_LISTED)
    return shown


def message(tr: Translator, problem: UrlProblem) -> str:
    """One problem as one sentence in the app's language."""
    if problem.kind == "instant":
        low, high = MIN_AS_OF_DAY, MAX_DAY - timedelta(days=1)
    else:
        low, high = MIN_DAY, MAX_DAY
    rule = tr(
        f"url.rule.{problem.kind}",
        valid=listed(tr, problem.valid),
        min=low.isoformat(),
        max=high.isoformat(),
    )
    return tr("url.ignored", param=as_text(problem.param), value=as_text(problem.value), rule=rule)


def show(tr: Translator, problems: Sequence[UrlProblem]) -> None:
    for problem in problems:
        st.warning(message(tr, problem), icon=":material/link_off:")
