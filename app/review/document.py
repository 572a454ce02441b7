"""A small document model and its renderings, Markdown and standalone HTML, so both formats of
the weekly review (and the app's page, which shows the Markdown) carry exactly the same content.

A document is a title, a few lines of meta, the **briefing** (the sections an ops lead reads
first: docs/kpis.md §9) and then the detail sections. A section holds blocks: paragraphs (text
that may carry links), level-3 headings, tables whose cells may be links, and charts (weekly
series, drawn as inline SVG in the HTML by ``app/review/charts.py`` and described in one line in
the Markdown). Full lists behind a capped table travel with the document as CSV attachments.

Everything in a document is text: the Markdown rendering escapes Markdown and HTML in every
cell, title and line, and both renderings link only to ``http(s)`` URLs or paths relative to
the report (the app's pages, the CSVs beside it) (``app/escaping.py``): a source's
``javascript:`` URL becomes plain text.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import quote

from opskpi.app.escaping import markdown_text, safe_url

_URL_SAFE = ":/?#[]@!$&'*+,;=%~"


@dataclass(frozen=True)
class Link:
    text: str
    url: str | None = None


Cell = str | Link
Inline = str | Link


@dataclass(frozen=True)
class Paragraph:
    """Text with links; ``note`` is secondary text (scope, caps), ``alert`` a warning line."""

    parts: tuple[Inline, ...]
    style: Literal["text", "note", "alert"] = "text"


@dataclass(frozen=True)
class Heading:
    """A heading inside a section (level 3)."""

    text: str


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: int | None = None  # the rows behind a capped table (None: all of them are here)


Unit = Literal["count", "share", "duration"]


@dataclass(frozen=True)
class Series:
    """One series of a chart panel, a value per week (None: nothing measured that week, drawn as
    a gap) and the n behind each value."""

    name: str
    values: tuple[float | None, ...]
    n: tuple[int | None, ...]
    color: str
    style: Literal["bar", "line", "target"] = "line"
    dashed: bool = False


@dataclass(frozen=True)
class Panel:
    title: str
    unit: Unit
    series: tuple[Series, ...]
    stacked: bool = False
    log: bool = False  # a log axis (durations with long tails)


@dataclass(frozen=True)
class Chart:
    """Weekly series in one or more panels sharing the week axis. A partial week (not wholly
    inside the data: the week still running, or cut by the period) is drawn lighter and
    labelled, never as a drop."""

    title: str
    weeks: tuple[str, ...]  # ISO weeks, "2026-W10"
    labels: tuple[str, ...]  # the axis labels, in the document's language ("02/03")
    partial: tuple[bool, ...]
    panels: tuple[Panel, ...]
    summary: str  # the chart in one line of words (Markdown, and the figure's caption)
    partial_label: str = "parcial"
    columns: int = 1  # panels side by side


Block = str | Paragraph | Heading | Table | Chart


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Attachment:
    """A full list behind a capped table, written as CSV beside the report (or attached)."""

    name: str  # a file name, e.g. "opskpi-review-2026-W10-overdue-actions.csv"
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()


@dataclass(frozen=True)
class Document:
    title: str
    meta: tuple[str, ...]
    sections: tuple[Section, ...]
    language: str = "pt-BR"
    briefing_title: str = ""
    briefing_lead: str = ""  # the briefing in one line: each part's count, with its scope
    briefing: tuple[Section, ...] = ()
    attachments: tuple[Attachment, ...] = field(default=())

    def charts(self) -> tuple[Chart, ...]:
        return tuple(
            block
            for section in (*self.briefing, *self.sections)
            for block in section.blocks
            if isinstance(block, Chart)
        )


def text_of(cell: Cell) -> str:
    return cell.text if isinstance(cell, Link) else cell


# -- Markdown --------------------------------------------------------------------------------------


def _md_text(text: str) -> str:
    return markdown_text(text)


def _md_link(cell: Link) -> str:
    text = _md_text(cell.text)
    url = safe_url(cell.url, relative=True)
    # percent-encoded where Markdown would end the link or the table cell: ( ) | < > space
    return f"[{text}]({quote(url, safe=_URL_SAFE)})" if url else text


def _md_cell(cell: Cell) -> str:
    return _md_link(cell) if isinstance(cell, Link) else _md_text(cell)


def _md_table(table: Table) -> list[str]:
    lines = [
        "| " + " | ".join(_md_text(c) for c in table.columns) + " |",
        "|" + "|".join("---" for _ in table.columns) + "|",
    ]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return lines


def _md_inline(part: Inline) -> str:
    return _md_link(part) if isinstance(part, Link) else _md_text(part)


def _md_block(block: Block, heading: str) -> list[str]:
    if isinstance(block, Table):
        return _md_table(block)
    if isinstance(block, Heading):
        return [f"{heading} {_md_text(block.text)}"]
    if isinstance(block, Paragraph):
        text = "".join(_md_inline(part) for part in block.parts)
        return [f"**{text}**" if block.style == "alert" else text]
    if isinstance(block, Chart):
        return [f"{_md_text(block.title)}: {_md_text(block.summary)}"]
    return [_md_text(block)]


def _md_section(section: Section, level: str) -> list[str]:
    lines = ["", f"{level} {_md_text(section.title)}"]
    for block in section.blocks:
        lines.append("")
        lines += _md_block(block, level + "#")
    return lines


def to_markdown(doc: Document) -> str:
    lines = [f"# {_md_text(doc.title)}", ""]
    lines += [f"- {_md_text(item)}" for item in doc.meta]
    if doc.briefing:
        # the briefing's headings are one level below the detail's: the document's outline
        # stays "title, then the detail sections", with the briefing read first
        lines += ["", f"**{_md_text(doc.briefing_title)}**"]
        if doc.briefing_lead:
            lines += ["", _md_text(doc.briefing_lead)]
        for section in doc.briefing:
            lines += _md_section(section, "###")
    for section in doc.sections:
        lines += _md_section(section, "##")
    return "\n".join(lines) + "\n"


# -- HTML ------------------------------------------------------------------------------------------

# Self-contained (no fonts, scripts or images from elsewhere: it opens offline and in a mail),
# readable at 1366 px and printable on A4.
_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; margin: 1.5rem auto; max-width: 76rem; color: #1f2933; line-height: 1.4;
       padding: 0 1rem; font-size: 15px; }
h1 { font-size: 1.55rem; margin: 0 0 .3rem; }
h2 { font-size: 1.2rem; margin: 1.8rem 0 .4rem; border-bottom: 2px solid #e4e7eb;
     padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
h4 { font-size: .95rem; margin: 1rem 0 .3rem; color: #3e4c59; }
ul.meta { color: #52606d; padding-left: 1.2rem; margin: .2rem 0 1rem; }
section.briefing { border: 2px solid #c62828; border-radius: 6px; padding: .2rem 1rem .8rem;
                   background: #fffafa; }
section.briefing > h2 { border: none; color: #8e1b1b; margin-top: .6rem; }
p.lead { font-size: 1rem; font-weight: 600; margin: .2rem 0 .6rem; }
p.note { color: #52606d; font-size: .88rem; margin: .3rem 0; }
p.alert { color: #8e1b1b; font-weight: 600; }
div.table { overflow-x: auto; max-width: 100%; margin: .4rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .86rem; }
th, td { border: 1px solid #e4e7eb; padding: .25rem .45rem; text-align: left;
         vertical-align: top; }
th { background: #f5f7fa; }
td:first-child, th:first-child { position: sticky; left: 0; background: #fff;
                                 box-shadow: 1px 0 0 #e4e7eb; }
th:first-child { background: #f5f7fa; }
tr:nth-child(even) td { background: #fafbfc; }
figure.chart { margin: .8rem 0 1.2rem; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { width: 100%; height: auto; max-width: 60rem; display: block; }
figcaption { color: #52606d; font-size: .85rem; }
a { color: #0b5cad; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  section.briefing { background: none; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  tr, figure.chart { break-inside: avoid; page-break-inside: avoid; }
  div.table { overflow: visible; }
  td:first-child, th:first-child { position: static; box-shadow: none; }
  table { font-size: 8.5pt; }
  a { color: inherit; text-decoration: none; }
}
"""


def _html_link(cell: Link) -> str:
    text = html.escape(cell.text)
    url = safe_url(cell.url, relative=True)
    if url:
        return f'<a href="{html.escape(url, quote=True)}">{text}</a>'
    return text


def _html_cell(cell: Cell) -> str:
    return _html_link(cell) if isinstance(cell, Link) else html.escape(cell)


def _html_table(table: Table) -> list[str]:
    out = ['<div class="table">', "<table>", "<thead><tr>"]
    out += [f"<th>{html.escape(c)}</th>" for c in table.columns]
    out += ["</tr></thead>", "<tbody>"]
    for row in table.rows:
        out.append("<tr>" + "".join(f"<td>{_html_cell(c)}</td>" for c in row) + "</tr>")
    out += ["</tbody>", "</table>", "</div>"]
    return out


def _html_block(block: Block, language: str, heading: str) -> list[str]:
    if isinstance(block, Table):
        return _html_table(block)
    if isinstance(block, Heading):
        return [f"<{heading}>{html.escape(block.text)}</{heading}>"]
    if isinstance(block, Paragraph):
        text = "".join(
            _html_link(part) if isinstance(part, Link) else html.escape(part)
            for part in block.parts
        )
        css = "" if block.style == "text" else f' class="{block.style}"'
        return [f"<p{css}>{text}</p>"]
    if isinstance(block, Chart):
        from opskpi.app.review.charts import chart_svg  # matplotlib: only when drawing

        return [
            '<figure class="chart">',
            chart_svg(block, language),
            f"<figcaption>{html.escape(block.title)}: {html.escape(block.summary)}</figcaption>",
            "</figure>",
        ]
    return [f"<p>{html.escape(block)}</p>"]


def _html_section(section: Section, tag: str, language: str) -> list[str]:
    out = [f"<section><{tag}>{html.escape(section.title)}</{tag}>"]
    for block in section.blocks:
        out += _html_block(block, language, f"h{int(tag[1]) + 1}")
    out.append("</section>")
    return out


def _unlink_files(doc: Document) -> Document:
    """The document with links to its own CSV attachments as plain text (in an e-mail they are
    attached: a relative link would lead nowhere)."""
    names = {a.name for a in doc.attachments}

    def cell(value: Cell) -> Cell:
        return Link(value.text) if isinstance(value, Link) and value.url in names else value

    def block(value: Block) -> Block:
        if isinstance(value, Paragraph):
            return replace(value, parts=tuple(cell(p) for p in value.parts))
        if isinstance(value, Table):
            return replace(value, rows=tuple(tuple(cell(c) for c in row) for row in value.rows))
        return value

    def section(value: Section) -> Section:
        return replace(value, blocks=tuple(block(b) for b in value.blocks))

    return replace(
        doc,
        briefing=tuple(section(s) for s in doc.briefing),
        sections=tuple(section(s) for s in doc.sections),
    )


def to_html(doc: Document, *, local_files: bool = True) -> str:
    """The standalone HTML page. ``local_files=False``: for an e-mail, where the CSVs are
    attachments, not files beside the page."""
    if not local_files:
        doc = _unlink_files(doc)
    lang = "pt-BR" if doc.language == "pt-BR" else "en"
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(doc.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(doc.title)}</h1>",
        '<ul class="meta">',
        *(f"<li>{html.escape(item)}</li>" for item in doc.meta),
        "</ul>",
    ]
    if doc.briefing:
        out += ['<section class="briefing">', f"<h2>{html.escape(doc.briefing_title)}</h2>"]
        if doc.briefing_lead:
            out.append(f'<p class="lead">{html.escape(doc.briefing_lead)}</p>')
        for section in doc.briefing:
            out += _html_section(section, "h3", doc.language)
        out.append("</section>")
    for section in doc.sections:
        out += _html_section(section, "h2", doc.language)
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def render(doc: Document, output_format: str) -> str:
    if output_format == "md":
        return to_markdown(doc)
    if output_format == "html":
        return to_html(doc)
    raise ValueError(f"format must be 'md' or 'html', got {output_format!r}")
