"""What every page shares: the run's context (settings, words, snapshot, view, period) that the
entrypoint sets before ``page.run()``, KPI cards and tables with links."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from opskpi.app.catalogue import CATALOGUE
from opskpi.app.escaping import csv_frame, markdown_text, safe_url
from opskpi.app.i18n.translator import Translator
from opskpi.app.web.data import Snapshot
from opskpi.app.web.state import ViewState
from opskpi.config import Settings
from opskpi.metrics.period import Filters, Period, partial_weeks
from opskpi.metrics.report import KpiReport
from opskpi.metrics.sources import FAILED, NEVER, SourceStatus

CONTEXT_KEY = "opskpi_context"
PAGE_KEY = "opskpi_page"  # the page being drawn (CSV file names)
TABLES_KEY = "opskpi_tables"  # tables drawn so far in this run (CSV download keys)
CARDS_PER_ROW = 4


@dataclass(frozen=True)
class Context:
    settings: Settings
    tr: Translator
    snapshot: Snapshot
    view: ViewState
    period: Period
    targets: dict[str, dict[str, float | None]]
    labels: dict[str, str]
    page_paths: dict[str, str]

    @property
    def filters(self) -> Filters:
        return self.view.filters()

    @property
    def as_of(self) -> datetime:
        return self.period.as_of

    @property
    def timezone(self) -> str:
        return self.settings.model.report.timezone

    @property
    def partial_weeks(self) -> frozenset[date]:
        """The weeks of the period that weekly charts hold only in part (drawn apart)."""
        return partial_weeks(self.period, self.timezone)

    def cause(self, key: str) -> str:
        return self.tr.cause(key, self.labels.get(key))

    def link(self, page: str, **params: str) -> str:
        """A relative link to another page with the current view (and page parameters)."""
        return f"{self.page_paths[page]}?{self.view.query_string(**params)}"

    def incident_link(self, incident_key: str) -> str:
        return self.link("incidents", incident=incident_key)


def context() -> Context:
    ctx: Context = st.session_state[CONTEXT_KEY]
    return ctx


def card(
    label: str,
    value: str,
    *,
    delta: str | None = None,
    lower_is_better: bool = False,
    neutral: bool = False,
    caption: str | None = None,
    help: str | None = None,
) -> None:
    """A KPI card: value, change from the previous period, and a caption with n and target.
    ``neutral``: a change that is neither good nor bad (e.g. the number of deploys)."""
    with st.container(border=True):
        color: Literal["normal", "inverse", "off"] = "inverse" if lower_is_better else "normal"
        arrow: Literal["auto", "off"] = "auto"
        if neutral:
            color = "off"
        if delta is not None and delta.startswith("±"):
            color, arrow = "off", "off"
        st.metric(
            label,
            value,
            delta=delta,
            delta_color=color,
            delta_arrow=arrow,
            help=help,
            delta_description=context().tr("vs_previous") if delta else None,
        )
        if caption:
            st.caption(caption)


def kpi_cards(keys: Sequence[str], now: KpiReport, before: KpiReport, ctx: Context) -> None:
    """The cards of the catalogue's KPIs ``keys`` (``app/catalogue.py``), four to a row, each
    with its change from ``before``."""
    cards = [CATALOGUE[key].card(ctx.tr, now, before, ctx.targets) for key in keys]
    rows = range(0, len(cards), CARDS_PER_ROW)
    columns = [column for _ in rows for column in st.columns(CARDS_PER_ROW)]
    for column, spec in zip(columns, cards, strict=False):
        with column:
            card(
                spec.label,
                spec.value,
                delta=spec.delta,
                lower_is_better=spec.lower_is_better,
                neutral=spec.neutral,
                caption=spec.caption,
            )


EMPTY = "—"  # the one marker of "nothing here" in every table and text


def table(
    frame: pd.DataFrame,
    columns: dict[str, Any],
    *,
    height: int | Literal["auto"] = "auto",
    download: bool = True,
    hidden: tuple[str, ...] = (),
) -> None:
    """``frame`` with only (and in the order of) ``columns``: name → label or column config.

    The first column (the key) stays in view while a wide table scrolls sideways; a missing
    value reads "—" (never "None"). ``hidden``: columns kept in the data, not shown. Link
    columns keep only ``http(s)`` and in-app links (``app/escaping.py``). ``download``: a CSV
    download of the table under it, its text cells made inert for spreadsheets (the grid's own
    export is off: ``opskpi app`` sets client.disableDataExport), named after the page and the
    table's place on it.
    """
    config = {
        name: (
            spec
            if not isinstance(spec, str)
            else st.column_config.Column(spec, pinned=True if i == 0 else None)
        )
        for i, (name, spec) in enumerate(columns.items())
    }
    config.update({name: None for name in hidden})
    shown = frame[[*columns, *hidden]].copy()
    for name, spec in columns.items():  # missing text reads "—", not "None" (links stay empty)
        if not isinstance(spec, str):
            if isinstance(spec, dict) and spec.get("type_config", {}).get("type") == "link":
                shown[name] = shown[name].map(lambda url: safe_url(url, relative=True))
        elif not pd.api.types.is_numeric_dtype(shown[name]) and not pd.api.types.is_bool_dtype(
            shown[name]
        ):
            shown[name] = shown[name].astype(object).where(shown[name].notna(), EMPTY)
    st.dataframe(
        shown,
        hide_index=True,
        column_config=config,
        width="stretch",
        height=height,
        placeholder=EMPTY,
    )
    if download:
        number = st.session_state.get(TABLES_KEY, 0) + 1
        st.session_state[TABLES_KEY] = number
        name = f"opskpi-{st.session_state.get(PAGE_KEY) or 'tabela'}-{number}"
        labelled = shown.drop(columns=list(hidden)).rename(
            columns={
                name: spec if isinstance(spec, str) else spec.get("label") or name
                for name, spec in columns.items()
            }
        )
        st.download_button(
            context().tr("download_csv"),
            csv_frame(labelled).to_csv(index=False),
            file_name=f"{name}.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"csv-{number}",
        )


def source_banner(ctx: Context, sources: Sequence[SourceStatus]) -> None:
    """One warning per configured source that failed, never synced or is stale."""
    tr = ctx.tr

    def when(moment: datetime | None) -> str:
        return (
            tr.when(moment.astimezone(ZoneInfo(ctx.timezone)).replace(tzinfo=None))
            if moment
            else "—"
        )

    for source in sources:
        if not source.needs_attention:
            continue
        name = markdown_text(source.source)
        if source.status == NEVER:
            text = tr("source_never_banner", source=name)
        elif source.status == FAILED:
            text = tr(
                "source_failed_banner",
                source=name,
                failure=markdown_text(when(source.last_failure_at)),
                success=markdown_text(when(source.last_success_at)),
            )
        else:
            text = tr(
                "source_stale_banner",
                source=name,
                success=markdown_text(when(source.last_success_at)),
            )
        st.warning(text, icon=":material/sync_problem:")


def link_column(label: str, *, text: str | None = None, pinned: bool | None = None) -> Any:
    return st.column_config.LinkColumn(label, display_text=text, pinned=pinned)


def empty(ctx: Context, key: str = "nothing_in_period") -> None:
    st.info(ctx.tr(key))


def human(frame: pd.DataFrame, ctx: Context, **columns: str) -> pd.DataFrame:
    """Add display columns: ``human(df, ctx, tta="dur")`` adds ``tta_text`` from ``tta_seconds``
    (kinds: dur, pct, when, day, sev, cause)."""
    tr = ctx.tr
    formats: dict[str, Callable[[Any], str]] = {
        "dur": tr.dur,
        "pct": tr.pct,
        "when": tr.when,
        "day": tr.day,
        "sev": tr.severity,
        "cause": ctx.cause,
    }
    out = frame.copy()
    for name, kind in columns.items():
        source = f"{name}_seconds" if kind == "dur" and f"{name}_seconds" in out else name
        out[f"{name}_text"] = [formats[kind](v) for v in out[source].astype(object)]
    return out


def join_list(values: Any, empty_text: str = EMPTY) -> str:
    """A list cell from DuckDB (list, array, or NA) as ``"a, b"``."""
    if values is None or isinstance(values, float) or values is pd.NA:
        return empty_text
    items = [str(v) for v in values]
    return ", ".join(items) if items else empty_text
