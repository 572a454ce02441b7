"""opskpi in Streamlit: the entrypoint (``opskpi app`` runs ``streamlit run`` on this file).

It loads the config (``$OPSKPI_CONFIG``), checks the published snapshot, draws the shared
sidebar (period and filters, mirrored in the URL), registers the pages of ``app/app_pages/``
with ``st.navigation`` and runs the chosen one. Without a snapshot (nothing synced yet) it shows
how to get data instead.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from opskpi.app.escaping import markdown_text
from opskpi.app.i18n.translator import Translator, translator_for
from opskpi.app.web import data, sidebar
from opskpi.app.web.components import CONTEXT_KEY, PAGE_KEY, TABLES_KEY, Context, source_banner
from opskpi.app.web.state import ROLLING_DAYS, ViewState, week_of
from opskpi.config import ConfigError
from opskpi.metrics.period import Period
from opskpi.sql.session import SchemaTooNewError, WarehouseBusyError, WarehouseMissingError

# (key, file, icon, url path): url paths stay the same in every language, so links keep working
PAGES = (
    ("overview", "app_pages/overview.py", ":material/dashboard:", "visao-geral"),
    ("teams", "app_pages/teams.py", ":material/groups:", "times"),
    ("response", "app_pages/response_times.py", ":material/timer:", "tempos-de-resposta"),
    ("oncall", "app_pages/oncall.py", ":material/bedtime:", "carga-de-plantao"),
    ("causes", "app_pages/root_causes.py", ":material/category:", "causas-raiz"),
    ("releases", "app_pages/releases.py", ":material/rocket_launch:", "releases"),
    ("actions", "app_pages/actions.py", ":material/task_alt:", "acoes-corretivas"),
    ("incidents", "app_pages/incidents.py", ":material/list_alt:", "incidentes"),
    ("weekly", "app_pages/weekly_review.py", ":material/event_note:", "revisao-semanal"),
    ("health", "app_pages/data_health.py", ":material/monitor_heart:", "saude-dos-dados"),
)
PAGE_PARAMS = {
    "incidents": ("incident", "q", "sort"),
    "weekly": ("review_week",),
    "actions": ("scope",),
}

st.set_page_config(page_title="opskpi", page_icon=":material/monitoring:", layout="wide")


def getting_started(tr: Translator, where: str, origin: str, *, missing: bool) -> None:
    st.title(tr("welcome_title"))
    st.info(tr("no_snapshot" if missing else "empty_snapshot", path=where))
    st.markdown(tr("how_to_get_data"))
    st.code("opskpi demo", language="bash")
    st.markdown(tr("how_to_sync"))
    st.code("opskpi sync\nopskpi app", language="bash")
    st.caption(tr("config_origin", origin=origin))


def period_label(tr: Translator, view: ViewState, period: Period) -> str:
    """Which days the period holds, and why: ``28 dias completos: 06/11/2026 – 03/12/2026``."""
    since, last = tr.day(period.since), tr.day(period.until - timedelta(days=1))
    if view.preset in ROLLING_DAYS:
        return tr("header_period.days", n=ROLLING_DAYS[view.preset], since=since, until=last)
    if view.preset == "week":
        return tr("header_period.week", week=week_of(period.since), since=since, until=last)
    return tr("header_period.custom", since=since, until=last)


def header_caption(
    tr: Translator, view: ViewState, period: Period, timezone: str, built_at: Any
) -> str:
    previous = period.previous()
    day = timedelta(days=1)
    built = built_at.astimezone(ZoneInfo(timezone)).replace(tzinfo=None) if built_at else None
    return tr(
        "header_caption",
        period=period_label(tr, view, period),
        tz=timezone,
        prev_since=tr.day(previous.since),
        prev_until=tr.day(previous.until - day),
        built=tr.when(built),
        as_of=tr.instant(period.as_of, timezone),
    )


def main() -> None:
    try:
        settings = data.app_settings()
    except ConfigError as exc:
        st.error(f"opskpi: {markdown_text(exc)}")
        st.stop()
    tr = translator_for(settings)
    snapshot = data.snapshot_of(settings)
    where, origin = str(settings.serving_path), settings.origin
    if not snapshot.exists:
        getting_started(tr, where, origin, missing=True)
        return
    try:
        info = data.snapshot_info(snapshot)
        options = data.filter_options(snapshot)
        targets = data.policy_targets(snapshot)
        labels = data.taxonomy_labels(snapshot)
        known = data.known_filter_values(snapshot)
    except WarehouseMissingError:
        getting_started(tr, where, origin, missing=True)
        return
    except (WarehouseBusyError, SchemaTooNewError) as exc:
        st.error(f"opskpi: {markdown_text(exc)}")
        st.stop()
    timezone = settings.model.report.timezone
    view = sidebar.render(tr, options, timezone, known)
    period = view.period(timezone)
    if not info["incidents"] and not info["deploys"]:
        start = st.Page(
            lambda: getting_started(tr, where, origin, missing=False),
            title=tr("page.start"),
            icon=":material/info:",
            url_path="inicio",
        )
        health = next(p for p in PAGES if p[0] == "health")
        pages = [
            start,
            st.Page(health[1], title=tr("page.health"), icon=health[2], url_path=health[3]),
        ]
    else:
        pages = [
            st.Page(
                file, title=tr(f"page.{key}"), icon=icon, url_path=path, default=key == "overview"
            )
            for key, file, icon, path in PAGES
        ]
    current = st.navigation(pages)
    current_key = next((k for k, file, _, _ in PAGES if current.title == tr(f"page.{k}")), "")
    for key, params in PAGE_PARAMS.items():
        if key != current_key:
            for param in params:
                if param in st.query_params:
                    del st.query_params[param]
    st.session_state[CONTEXT_KEY] = Context(
        settings=settings,
        tr=tr,
        snapshot=snapshot,
        view=view,
        period=period,
        targets=targets,
        labels=labels,
        page_paths={k: "./" if k == "overview" else path for k, _, _, path in PAGES},
    )
    if current_key:
        st.title(current.title)
        st.caption(header_caption(tr, view, period, timezone, info.get("built_at")))
    source_banner(st.session_state[CONTEXT_KEY], data.sources(snapshot, period.as_of))
    st.session_state[PAGE_KEY] = current_key or "inicio"
    st.session_state[TABLES_KEY] = 0
    current.run()


main()
