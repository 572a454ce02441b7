"""A tiny document model (sections of paragraphs and tables, cells that may be links) and its two
renderings, Markdown and standalone HTML, so both formats of the weekly review carry exactly
the same content.

Everything in a document is text: the Markdown rendering escapes Markdown and HTML in every
cell, title and line, and both renderings link only to ``http(s)`` URLs (``app/escaping.py``):
a source's ``javascript:`` URL becomes plain text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import quote

from opskpi.app.escaping import markdown_text, safe_url

_URL_SAFE = ":/?#[]@!$&'*+,;=%~"


@dataclass(frozen=True)
class Link:
    text: str
    url: str | None = None


Cell = str | Link


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


Block = str | Table


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    title: str
    meta: tuple[str, ...]
    sections: tuple[Section, ...]
    language: str = "pt-BR"


# -- Markdown --------------------------------------------------------------------------------------


def _md_text(text: str) -> str:
    return markdown_text(text)


def _md_cell(cell: Cell) -> str:
    if isinstance(cell, Link):
        text = _md_text(cell.text)
        url = safe_url(cell.url)
        # percent-encoded where Markdown would end the link or the table cell: ( ) | < > space
        return f"[{text}]({quote(url, safe=_URL_SAFE)})" if url else text
    return _md_text(cell)


def _md_table(table: Table) -> list[str]:
    lines = [
        "| " + " | ".join(_md_text(c) for c in table.columns) + " |",
        "|" + "|".join("---" for _ in table.columns) + "|",
    ]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return lines


def to_markdown(doc: Document) -> str:
    lines = [f"# {_md_text(doc.title)}", ""]
    lines += [f"- {_md_text(item)}" for item in doc.meta]
    for section in doc.sections:
        lines += ["", f"## {_md_text(section.title)}"]
        for block in section.blocks:
            lines.append("")
            lines += _md_table(block) if isinstance(block, Table) else [_md_text(block)]
    return "\n".join(lines) + "\n"


# -- HTML ------------------------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 72rem; color: #1f2933; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .4rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 2px solid #e4e7eb; padding-bottom: .2rem; }
ul.meta { color: #52606d; padding-left: 1.2rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0; }
th, td { border: 1px solid #e4e7eb; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f5f7fa; }
tr:nth-child(even) td { background: #fafbfc; }
a { color: #0b5cad; }
"""


def _html_cell(cell: Cell) -> str:
    if isinstance(cell, Link):
        text = html.escape(cell.text)
        url = safe_url(cell.url)
        if url:
            return f'<a href="{html.escape(url, quote=True)}">{text}</a>'
        return text
    return html.escape(cell)


def _html_table(table: Table) -> list[str]:
    out = ["<table>", "<thead><tr>"]
    out += [f"<th>{html.escape(c)}</th>" for c in table.columns]
    out += ["</tr></thead>", "<tbody>"]
    for row in table.rows:
        out.append("<tr>" + "".join(f"<td>{_html_cell(c)}</td>" for c in row) + "</tr>")
    out += ["</tbody>", "</table>"]
    return out


def to_html(doc: Document) -> str:
    lang = "pt-BR" if doc.language == "pt-BR" else "en"
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{html.escape(doc.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(doc.title)}</h1>",
        '<ul class="meta">',
        *(f"<li>{html.escape(item)}</li>" for item in doc.meta),
        "</ul>",
    ]
    for section in doc.sections:
        out.append(f"<section><h2>{html.escape(section.title)}</h2>")
        for block in section.blocks:
            out += (
                _html_table(block) if isinstance(block, Table) else [f"<p>{html.escape(block)}</p>"]
            )
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def render(doc: Document, output_format: str) -> str:
    if output_format == "md":
        return to_markdown(doc)
    if output_format == "html":
        return to_html(doc)
    raise ValueError(f"format must be 'md' or 'html', got {output_format!r}")
