"""Text from a source is text in everything opskpi renders: an incident title holding a link,
an image and raw HTML shows as those characters in the app (no link, no image fetched), in the
weekly review's Markdown (HTML and Markdown escaped) and HTML (only http(s) links: a payload's
``javascript:`` URL is no href); CSV cells a spreadsheet would evaluate are made inert (OWASP).

Markdown is checked by rendering it with a CommonMark renderer (markdown-it), not by looking
for the escapes opskpi writes."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from html import unescape
from pathlib import Path

import app_fixture as fx
import pandas as pd
import payloads as p
import pytest
from markdown_it import MarkdownIt

from opskpi.app.cli.main import main
from opskpi.app.escaping import csv_cell, csv_frame, markdown_text, plot_text, safe_url
from opskpi.app.i18n.translator import Translator
from opskpi.app.review.build import weekly_review
from opskpi.app.review.document import Document, Link, Section, Table, to_html, to_markdown
from opskpi.config import load_settings
from opskpi.etl.warehouse.build import build_and_publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.etl.warehouse.landing import land
from opskpi.metrics.snapshot import open_settings_snapshot

TITLE = (
    "Falha [clique aqui](https://evil.example/phish) ![pixel](https://evil.example/p.png) "
    '<img src="https://evil.example/x.png"> <script>alert(1)</script> **negrito** `code` '
    "_itálico_ ~~riscado~~ $x^2$ :red[vermelho] https://evil.example/auto www.evil.example "
    "&copy; a|b \\ fim"
)
EVIL_URL = "javascript:alert(document.cookie)"

RENDER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def rendered(markdown: str) -> str:
    return RENDER.render(markdown)


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html)).strip()


@pytest.mark.parametrize(
    "text",
    [
        TITLE,
        "_x_ and __y__ and *z*",
        "<https://evil.example>",
        "[a]: https://evil.example",
        "Sao_Paulo snake_case_name",
        "&lt;not an entity&gt; &#x3C;",
    ],
)
def test_markdown_text_renders_as_the_text_itself(text: str) -> None:
    html = rendered(f"#### KEY — {markdown_text(text)}")
    for tag in ("<a", "<img", "<script", "<em", "<strong", "<code", "<s>", "<del"):
        assert tag not in html
    assert text_of(html) == f"KEY — {text}"


def test_markdown_text_stays_on_one_line() -> None:
    html = rendered("x " + markdown_text("a\n# heading\r\n- item\n\n> quote"))
    assert html.count("<p>") == 1 and "<h1" not in html and "<li" not in html


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://acme.pagerduty.com/incidents/Q1", True),
        ("http://example.com/x", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox", False),
        ("//evil.example/x", False),
        ("https:evil", False),
        (None, False),
    ],
)
def test_only_http_links(url: str | None, allowed: bool) -> None:
    assert (safe_url(url) is not None) is allowed


def test_relative_links_only_where_asked() -> None:
    assert safe_url("incidentes?incident=pagerduty:Q1", relative=True) is not None
    assert safe_url("incidentes?incident=pagerduty:Q1") is None
    assert safe_url("javascript:alert(1)", relative=True) is None
    assert safe_url("//evil.example", relative=True) is None


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("https://evil.example")', '\'=HYPERLINK("https://evil.example")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-5", "-5"),  # a number written as text is a value, not a formula
        ("+1.5", "+1.5"),
        ("plain text", "plain text"),
        (7, 7),
        (None, None),
    ],
)
def test_csv_formula_prefixes_are_neutralised(cell: object, expected: object) -> None:
    assert csv_cell(cell) == expected


def test_csv_frame_neutralises_text_columns_only() -> None:
    frame = pd.DataFrame({"title": ["=1+1", "ok"], "n": [-1, 2], "=col": ["a", "b"]})
    out = csv_frame(frame)
    assert out["title"].tolist() == ["'=1+1", "ok"]
    assert out["n"].tolist() == [-1, 2]
    assert list(out.columns) == ["title", "n", "'=col"]


# -- the review --------------------------------------------------------------------------------


def hostile_document() -> Document:
    return Document(
        title="Revisão",
        meta=("Filtros: Serviço: <img src=x onerror=alert(1)>",),
        sections=(
            Section(
                "Incidentes",
                (
                    Table(
                        ("incidente", "título"),
                        (
                            (Link("pagerduty:EVIL", EVIL_URL), TITLE),
                            (Link("pagerduty:OK", "https://acme.pagerduty.com/incidents/OK"), "x"),
                        ),
                    ),
                ),
            ),
        ),
    )


def test_the_markdown_review_is_text_and_links_only_to_http() -> None:
    html = rendered(to_markdown(hostile_document()))
    links = re.findall(r'<a href="([^"]*)"', html)
    assert links == ["https://acme.pagerduty.com/incidents/OK"]
    for tag in ("<img", "<script", "<em", "<strong", "<code", "<s>"):
        assert tag not in html
    cells = [text_of(c) for c in re.findall(r"<td>(.*?)</td>", html, flags=re.S)]
    assert cells == ["pagerduty:EVIL", TITLE, "pagerduty:OK", "x"]
    assert "<img src=x onerror=alert(1)>" in text_of(html)  # the meta line, as text


def test_the_html_review_links_only_to_http() -> None:
    html = to_html(hostile_document())
    assert re.findall(r'href="([^"]*)"', html) == ["https://acme.pagerduty.com/incidents/OK"]
    assert "javascript" not in html.lower()
    assert "<img" not in html and "<script>" not in html


# -- the app and the review on a warehouse holding a hostile incident ----------------------------


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("hostile")
    path = fx.write_config(directory)
    settings = load_settings(path)
    con = open_writer(settings.warehouse_path)
    try:
        fx.land_fixture(con)
        evil = p.pd_incident("PEVIL", "2026-03-04T15:00:00Z", resolved_at="2026-03-04T16:00:00Z")
        evil["title"] = TITLE
        evil["html_url"] = EVIL_URL
        land(con, "pagerduty", "incident", [evil])
        build_and_publish(settings, con)
    finally:
        con.close()
    return path


def test_the_app_shows_a_hostile_title_as_text(config: Path, monkeypatch) -> None:
    params = {**fx.WEEK_PARAMS, "incident": "pagerduty:PEVIL"}
    at = fx.app_test(config, monkeypatch, params=params, page="incidents")
    assert not at.exception
    [heading] = [m.value for m in at.markdown if m.value.startswith("####")]
    html = rendered(heading)
    for tag in ("<a", "<img", "<script", "<em", "<strong", "<code"):
        assert tag not in html
    assert text_of(html) == f"pagerduty:PEVIL — {TITLE}"
    # no button leading to the javascript: URL
    buttons = [e for e in at.get("link_button")]
    assert all(EVIL_URL not in str(b.proto) for b in buttons)


def test_the_review_of_a_hostile_incident(config: Path) -> None:
    settings = load_settings(config)
    con = open_settings_snapshot(settings)
    try:
        doc = weekly_review(con, "2026-W10", fx.AS_OF, Translator("pt-BR"))
    finally:
        con.close()
    markdown, html = to_markdown(doc), to_html(doc)
    assert "pagerduty:PEVIL" in markdown
    assert "javascript" not in html.lower() and "javascript" not in markdown.lower()
    links = re.findall(r'<a href="([^"]*)"', rendered(markdown))
    assert links and all(link.startswith("https://") for link in links)


def test_kpis_csv_cells_are_inert(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    as_of = fx.AS_OF.isoformat()
    assert main(["kpis", "--config", str(config), "--csv", "--as-of", as_of]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["as_of", "since", "until", "group", "key", "metric", "value"]
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "@", "\t", "\r"))
            if cell.startswith(("+", "-")):
                float(cell)  # only numbers (a change of -6.7, say) keep their sign


def test_kpis_json_still_parses_with_a_hostile_title(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    as_of = fx.AS_OF.isoformat()
    assert main(["kpis", "--config", str(config), "--json", "--as-of", as_of]) == 0
    report = json.loads(capsys.readouterr().out)
    assert datetime.fromisoformat(report["as_of"]) == fx.AS_OF


def test_plotly_labels_show_tags_as_text() -> None:
    from opskpi.app.web.figures import overdue_by_owner

    owner = '<a href="javascript:alert(1)">@mallory</a><img src=x>'
    frame = pd.DataFrame({"owner": [owner], "overdue_must_fix": [1], "overdue_other": [2]})
    fig = overdue_by_owner(frame, Translator("pt-BR"))
    labels = [label for trace in fig.data for label in trace.y]
    assert labels == [plot_text(owner)] * 2
    assert all("<" not in label for label in labels)
    assert unescape(labels[0]) == owner
