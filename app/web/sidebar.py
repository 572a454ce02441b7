"""The shared sidebar: period and filter widgets, seeded once per session from the URL query
parameters, and written back to the URL after every run (``app.state`` does the parsing).

The widgets are the truth during a session; the URL mirrors them, so copying it reproduces the
view. Only the view's own parameters are written: page parameters (``incident``, ``q``,
``review_week``) are left to their pages.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from opskpi.app.i18n.translator import Translator
from opskpi.app.web import url_warnings
from opskpi.app.web.state import (
    FILTER_PARAMS,
    MAX_DAY,
    MIN_DAY,
    PRESETS,
    ROLLING_DAYS,
    VIEW_PARAMS,
    ViewState,
    parse_week,
    previous_full_week,
    week_of,
)
from opskpi.config.vocabulary import severity_rank

SEEDED = "flt_seeded"
AS_OF = "flt_as_of"
WEEKS_BACK = 53


def _key(name: str) -> str:
    return f"flt_{name}"


def week_options(today: date, selected: str | None) -> list[str]:
    """The last ``WEEKS_BACK`` ISO weeks, newest first, plus ``selected`` if older."""
    weeks = list(dict.fromkeys(week_of(today - timedelta(weeks=i)) for i in range(WEEKS_BACK)))
    if selected and selected not in weeks:
        weeks.append(selected)
    return weeks


def _seed(view: ViewState, options: dict[str, list[str]], today: date) -> None:
    state = st.session_state
    state[_key("period")] = view.preset
    state[_key("week")] = view.week or previous_full_week(today)
    # a custom range starts as the default period: the 28 full days before today
    since = view.since or today - timedelta(days=ROLLING_DAYS["28d"])
    until = view.until or today
    if until <= since:  # one end from the URL, on the wrong side of the default's other end
        if view.since:
            until = since + timedelta(days=1)
        else:
            since = until - timedelta(days=1)
    state[_key("range")] = (since, until - timedelta(days=1))
    for name, values in zip(
        FILTER_PARAMS, (view.severities, view.services, view.teams, view.sources), strict=True
    ):
        state[_key(name)] = [v for v in values if v in options[name]]
    state[AS_OF] = view.as_of
    state[SEEDED] = True


def _ordered_severities(values: list[str]) -> list[str]:
    """In the vocabulary's order; a value it does not know after them, alphabetically."""
    return sorted(values, key=lambda s: (severity_rank(s), s))


def week_label_for(tr: Translator, week: str) -> str:
    year, number = parse_week(week) or (0, 0)
    monday = date.fromisocalendar(year, number, 1)
    return f"{week} · {tr.day(monday)} – {tr.day(monday + timedelta(days=6))}"


def render(
    tr: Translator,
    options: dict[str, list[str]],
    timezone: str,
    known: dict[str, tuple[str, ...]] | None = None,
) -> ViewState:
    """Draw the sidebar filters and return the view they describe (the URL is updated). URL
    values it cannot use (``known``: the values each filter accepts) are shown as warnings."""
    state = st.session_state
    url_view, problems = ViewState.parse(
        {k: st.query_params.get_all(k) for k in VIEW_PARAMS}, known
    )
    url_warnings.show(tr, problems)
    today = url_view.today(timezone)
    if not state.get(SEEDED):
        _seed(url_view, options, today)
    with st.sidebar:
        st.markdown(f"**{tr('filters')}**")
        preset = st.selectbox(
            tr("period"), PRESETS, key=_key("period"), format_func=lambda p: tr(f"preset.{p}")
        )
        week, since, until = None, None, None
        if preset == "week":
            state.setdefault(_key("week"), previous_full_week(today))
            week = st.selectbox(
                tr("iso_week"),
                week_options(today, state[_key("week")]),
                key=_key("week"),
                format_func=lambda w: week_label_for(tr, w),
            )
        elif preset == "custom":
            default_days = ROLLING_DAYS["28d"]
            state.setdefault(
                _key("range"), (today - timedelta(days=default_days), today - timedelta(days=1))
            )
            picked = st.date_input(
                tr("date_range"),
                key=_key("range"),
                min_value=MIN_DAY,
                max_value=MAX_DAY - timedelta(days=1),  # the exclusive end stays within range
                format="DD/MM/YYYY" if tr.is_pt else "YYYY-MM-DD",
            )
            days = tuple(picked) if isinstance(picked, tuple | list) else (picked,)
            if days and days[0] is not None:
                since = days[0]
                until = (days[1] if len(days) > 1 and days[1] else days[0]) + timedelta(days=1)
        chosen = {}
        for name in FILTER_PARAMS:
            values = sorted(set(options[name]) | set(state.get(_key(name), [])))
            if name == "severity":
                values = _ordered_severities(values)
            chosen[name] = tuple(
                st.multiselect(
                    tr(f"filter.{name}"),
                    values,
                    key=_key(name),
                    placeholder=tr("all"),
                    format_func=tr.severity if name == "severity" else str,
                )
            )
        if state.get(AS_OF):
            st.caption(tr("as_of_pinned", as_of=tr.instant(state[AS_OF], timezone)))
    view = ViewState(
        preset=preset,
        week=week,
        since=since,
        until=until,
        severities=chosen["severity"],
        services=chosen["service"],
        teams=chosen["team"],
        sources=chosen["source"],
        as_of=state.get(AS_OF),
    )
    write_url(view)
    return view


def write_url(view: ViewState) -> None:
    """Mirror ``view`` in the URL, touching only the view's parameters that changed."""
    wanted = view.to_params()
    for key in VIEW_PARAMS:
        value = wanted.get(key)
        want = [] if value is None else ([value] if isinstance(value, str) else list(value))
        if st.query_params.get_all(key) != want:
            if want:
                st.query_params[key] = want if len(want) > 1 else want[0]
            elif key in st.query_params:
                del st.query_params[key]
