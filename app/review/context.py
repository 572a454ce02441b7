"""What every part of the weekly review shares: the week, its filters and instant, the words, the
options from ``[report]``, where full lists are, and the one way a list is capped ("showing N of
M" and where the rest is: docs/kpis.md §9)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

import duckdb
import pandas as pd

from opskpi.app.i18n.translator import Translator
from opskpi.app.review.document import Attachment, Block, Cell, Link, Paragraph, Table, text_of
from opskpi.app.review.links import ListLinks
from opskpi.config.model import DEFAULT_REVIEW_TARGETS
from opskpi.metrics.period import Filters, Period


class FormattedRows(Sequence[tuple[Cell, ...]]):
    """The rows of ``frame`` as table cells, formatted by ``cells`` only when read: a capped
    table formats its first rows, the whole list only for its CSV (thousands of rows at 100k
    incidents a year)."""

    def __init__(
        self, frame: pd.DataFrame, cells: Callable[[dict[Hashable, Any]], tuple[Cell, ...]]
    ) -> None:
        self.frame, self.cells = frame, cells

    def __len__(self) -> int:
        return len(self.frame)

    @overload
    def __getitem__(self, index: int) -> tuple[Cell, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[tuple[Cell, ...], ...]: ...

    def __getitem__(self, index: int | slice) -> tuple[Cell, ...] | tuple[tuple[Cell, ...], ...]:
        if isinstance(index, slice):
            return tuple(self.cells(r) for r in self.frame.iloc[index].to_dict("records"))
        return self.cells(self.frame.iloc[index].to_dict())


@dataclass(frozen=True)
class ReviewOptions:
    """The ``[report]`` keys the review reads (defaults as in config/model.py). Hashable: the
    app caches the review by them."""

    list_limit: int = 200
    briefing_limit: int = 15
    change_pp: float = 10.0
    change_ratio: float = 0.5
    change_min_n: int = 5
    targets: tuple[tuple[str, float], ...] = tuple(DEFAULT_REVIEW_TARGETS.items())
    postmortem_url: str | None = None  # [postmortems] web_url: links to the postmortem files

    @classmethod
    def from_settings(cls, settings: Any) -> ReviewOptions:
        report = settings.model.report
        postmortems = settings.model.postmortems
        return cls(
            list_limit=report.list_limit,
            briefing_limit=report.briefing_limit,
            change_pp=report.change_pp,
            change_ratio=report.change_ratio,
            change_min_n=report.change_min_n,
            targets=tuple(report.targets.items()),
            postmortem_url=postmortems.web_url if postmortems is not None else None,
        )

    @property
    def target_of(self) -> dict[str, float]:
        return dict(self.targets)


@dataclass
class ReviewContext:
    con: duckdb.DuckDBPyConnection
    week: str
    period: Period
    filters: Filters
    tr: Translator
    timezone: str
    options: ReviewOptions
    links: ListLinks
    targets: Mapping[str, Mapping[str, float | None]]  # policy: severity → ack/resolve seconds
    labels: Mapping[str, str]  # taxonomy key → configured label
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def as_of(self) -> datetime:
        return self.period.as_of

    def cause(self, key: str) -> str:
        return self.tr.cause(key, self.labels.get(key))

    def postmortem_link(self, text: str, postmortem_id: str | None) -> Link:
        base = self.options.postmortem_url
        url = f"{base.rstrip('/')}/{postmortem_id}" if base and postmortem_id else None
        return Link(text, url)

    def capped(
        self,
        name: str,
        columns: Sequence[str],
        rows: Sequence[tuple[Cell, ...]],
        *,
        limit: int | None = None,
        page: str | None = None,
        page_params: Mapping[str, str | Sequence[str]] | None = None,
    ) -> tuple[Block, ...]:
        """``rows`` as a table of at most ``limit`` rows; when more, a line that says so and
        links the full list (the app's ``page``, and a CSV ``name`` when the report is written
        to a file)."""
        limit = self.options.list_limit if limit is None else limit
        table = Table(tuple(columns), tuple(rows[:limit]), total=len(rows))
        if len(rows) <= limit:
            return (table,)
        tr = self.tr
        where: list[str | Link] = []
        url = (
            self.links.app_link(page, self.week, self.filters, self.as_of, page_params)
            if page
            else None
        )
        if url:
            where.append(Link(tr("full_list_app", page=tr(f"page.{page}")), url))
        csv_name = self.links.csv_name(name)
        if csv_name:
            self.attachments.append(
                Attachment(
                    csv_name,
                    tuple(columns),
                    tuple(tuple(_csv_cell(c) for c in row) for row in rows[: len(rows)]),
                )
            )
            if where:
                where.append(" · ")
            where.append(Link(tr("full_list_csv", name=csv_name), csv_name))
        if not where:
            where.append(tr("full_list_hint"))
        note = Paragraph(
            (tr("showing_n_of_m", n=tr.num(limit), m=tr.num(len(rows))), " — ", *where),
            style="note",
        )
        return (note, table)


def _csv_cell(cell: Cell) -> str:
    """A CSV cell: a link's text, then its URL in parentheses (a spreadsheet can open it)."""
    if isinstance(cell, Link) and cell.url:
        return f"{cell.text} ({cell.url})"
    return text_of(cell)
