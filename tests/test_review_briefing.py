"""The weekly review's briefing (docs/kpis.md §9) on the fixture week 2026-W10 of
tests/app_fixture.py, judged at 2026-03-10T12:00Z (09:00 in São Paulo): every value below is
worked out by hand from the fixture's table, in the comments. Then a capped list ("mostrando N
de M", with where the rest is), and the HTML file: self-contained, printable, with its charts.
"""

from __future__ import annotations

import re
from pathlib import Path

import app_fixture as fx
import payloads as p
import pytest

from opskpi.app.cli.main import main
from opskpi.app.i18n.translator import Translator
from opskpi.app.review.build import weekly_review
from opskpi.app.review.charts import chart_svg
from opskpi.app.review.context import ReviewOptions
from opskpi.app.review.document import Document, Paragraph, Table, to_html, to_markdown
from opskpi.app.review.links import ListLinks
from opskpi.config import load_settings
from opskpi.etl.warehouse.build import build_and_publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.etl.warehouse.landing import land
from opskpi.metrics.snapshot import open_settings_snapshot


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = Path(tmp_path_factory.mktemp("briefing"))
    fx.build_fixture(directory)
    return directory / "opskpi.toml"


def review(config: Path, week: str = fx.WEEK, **kwargs) -> Document:
    con = open_settings_snapshot(load_settings(config))
    try:
        return weekly_review(
            con, week, fx.AS_OF, Translator(kwargs.pop("language", "pt-BR")), **kwargs
        )
    finally:
        con.close()


def section_lines(markdown: str, title: str) -> list[str]:
    """The lines of one section (``### title`` or ``## title``) up to the next heading."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip("#").strip() == title)
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(r"^#{2,3} ", lines[i])), len(lines)
    )
    return lines[start + 1 : end]


def test_briefing_comes_first_and_says_it_in_one_line(config: Path) -> None:
    text = to_markdown(review(config))
    headings = re.findall(r"^(#{2,3}) (.+)$", text, flags=re.M)
    assert headings[:5] == [
        ("###", "Sev1 e sev2 da semana"),
        ("###", "Abertos e acima do alvo agora"),
        ("###", "Ações obrigatórias (must-fix) que venceram na semana, por responsável"),
        ("###", "Postmortems atrasados"),
        ("###", "Indicadores que cruzaram o alvo ou mudaram além do limite"),
    ]
    assert headings[5] == ("##", "Indicadores")  # then the detail
    assert text.index("**O que pede decisão nesta semana**") < text.index("## Indicadores")
    # sev1: PW10A, PW10D; sev2: PW10B, og-w10-1 · open past target: PW10D · must-fix AC-02
    # (@bruno) · late since 02/03: PW10B, og-w09-1, and PW09A before → 3 in all · no KPI moved
    # on n ≥ 5 (W09 has 3 incidents)
    assert (
        "Semana: 2 sev1 · 2 sev2 · abertos acima do alvo agora, de qualquer semana: 1 · ações "
        "obrigatórias vencidas na semana: 1 (responsáveis: 1) · postmortems que passaram do "
        "prazo desde 02/03/2026: 2 (atrasados ao todo: 3) · indicadores que cruzaram o alvo "
        "ou mudaram além do limite: 0."
    ) in text.splitlines()


def test_sev1_and_sev2_against_their_targets(config: Path) -> None:
    lines = section_lines(to_markdown(review(config)), "Sev1 e sev2 da semana")
    assert lines[1] == (
        "Incidentes criados na semana: 2 sev1, 2 sev2. ✗ = acima do alvo (sev1: reconhecer ≤ "
        "5 min, resolver ≤ 1 h 00 min · sev2: reconhecer ≤ 15 min, resolver ≤ 4 h 00 min)."
    )
    rows = [line for line in lines if line.startswith("| [") or line.startswith("| opsgenie")]
    assert rows == [
        # tta 240 ≤ 300, ttr 3000 ≤ 3600; PM-A published 03-03 12:00Z before its deadline
        "| [pagerduty:PW10A](https://acme.pagerduty.com/incidents/PW10A) | checkout-api is "
        "failing | sev1 | checkout-api | 02/03 10:00 | 4 min | 50 min | Mudança (config, "
        "código, infra) | no prazo · PM-A.md |",
        # tta 600 > 300; open since 03-05 15:00Z, at 03-10 12:00Z 4 d 21 h > 1 h
        "| [pagerduty:PW10D](https://acme.pagerduty.com/incidents/PW10D) | obras-api is failing "
        "| sev1 | obras-api | 05/03 12:00 | 10 min ✗ | aberto há 4 d 21 h ✗ | Não "
        "classificado | incidente aberto |",
        # tta 1200 > 900, ttr 18000 > 14400; resolved Tue 03-03 20:00 local + 3 business days
        # → end of Fri 03-06: none published
        "| [pagerduty:PW10B](https://acme.pagerduty.com/incidents/PW10B) | checkout-api is "
        "failing | sev2 | checkout-api | 03/03 15:00 | 20 min ✗ | 5 h 00 min ✗ | "
        "Capacidade | ausente (prazo 07/03/2026 00:00) |",
        # tta 300 ≤ 900, ttr 3600 ≤ 14400; resolved Fri 03-06 08:00 local + 3 business days →
        # end of Wed 03-11: not due yet
        "| opsgenie:og-w10-1 | alert og-w10-1 | sev2 | notificacoes | 06/03 07:00 | 5 min "
        "| 1 h 00 min | Dependência externa | dentro do prazo (prazo 12/03/2026 00:00) |",
    ]


def test_open_breaching_must_fix_and_late_postmortems_state_their_scope(config: Path) -> None:
    text = to_markdown(review(config))
    opened = section_lines(text, "Abertos e acima do alvo agora")
    assert opened[1] == (
        "Todos os incidentes abertos na data da avaliação, de qualquer semana: 1 acima do alvo "
        "de resolução, 0 sem reconhecimento além do alvo."
    )
    assert (
        "| [pagerduty:PW10D](https://acme.pagerduty.com/incidents/PW10D) | obras-api is failing "
        "| sev1 | obras-api | 05/03/2026 12:00 | 4 d 21 h | ✗ acima do alvo de resolução "
        "(1 h 00 min) |"
    ) in opened
    must_fix = section_lines(
        text, "Ações obrigatórias (must-fix) que venceram na semana, por responsável"
    )
    assert "com prazo na semana" in must_fix[1]
    assert "Por responsável: @bruno 1" in must_fix
    # AC-02: due Fri 03-06, in progress, must-fix; today 03-10 → 4 days overdue
    assert (
        "| @bruno | AC-02 | do AC-02 | 06/03/2026 | 4 | em curso | PM-A.md | pagerduty:PW10A |"
    ) in must_fix
    late = section_lines(text, "Postmortems atrasados")
    assert late[1] == (
        "Prazo vencido desde 02/03/2026 sem postmortem publicado: 2; atrasados ao todo, de "
        "qualquer semana: 3."
    )
    # PW10B resolved 03-03 23:00Z (20:00 local), due end of Fri 03-06 (03-07 03:00Z): at
    # 03-10 12:00Z 3 d 09 h late
    assert (
        "| [pagerduty:PW10B](https://acme.pagerduty.com/incidents/PW10B) | checkout-api is "
        "failing | sev2 | checkout-api | 03/03/2026 20:00 | 07/03/2026 00:00 | 3 d 09 h |"
    ) in late
    # og-w09-1 resolved Mon 03-02 01:30 local + 5 business days → end of Mon 03-09: 9 h late
    assert (
        "| opsgenie:og-w09-1 | alert og-w09-1 | sev3 | notificacoes | 02/03/2026 01:30 | "
        "10/03/2026 00:00 | 9 h 00 min |"
    ) in late


def test_kpi_moves_need_enough_n_and_name_the_reason(config: Path) -> None:
    default = section_lines(
        to_markdown(review(config)), "Indicadores que cruzaram o alvo ou mudaram além do limite"
    )
    assert "Nenhum indicador cruzou o alvo nem mudou além do limite." in default
    every = section_lines(
        to_markdown(review(config, options=ReviewOptions(change_min_n=0))),
        "Indicadores que cruzaram o alvo ou mudaram além do limite",
    )
    # resolve SLA: W09 3/3 = 100 % (within ≥ 90 %), W10 4/5 = 80 %: out, and −20 p.p. > 10
    assert (
        "| SLA de resolução | 80,0 % | 100,0 % | -20,0 p.p. | n=5 | saiu do alvo ≥ 90,0 %; "
        "mudou mais de 10 p.p. |"
    ) in every
    # incidents 3 → 7: +133 % > 50 %; a count without a target only moves
    assert (
        "| Incidentes | 7 | 3 | +4 | +1 mesclados (fora da contagem) | mudou mais de 50 % |"
        in every
    )
    # crossings are listed before the moves
    rows = [line for line in every if line.startswith("| ") and "---" not in line][1:]
    crossed = [i for i, line in enumerate(rows) if "alvo" in line.split(" | ")[-1]]
    assert crossed == list(range(len(crossed)))


def test_timestamps_are_human_and_local(config: Path) -> None:
    text = to_markdown(review(config))
    assert "- Avaliado em 10/03/2026 09:00 (America/Sao_Paulo)" in text.splitlines()
    assert "+00:00" not in text
    english = to_markdown(review(config, language="en"))
    assert "- Judged at 2026-03-10 09:00 (America/Sao_Paulo)" in english.splitlines()
    assert english.splitlines()[5] == "**What needs a decision this week**"


# -- nothing cut silently ------------------------------------------------------------------------

EXTRA = 205  # open actions, all due before W10: overdue at as_of


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture plus a postmortem of PW09A with 205 overdue actions."""
    directory = Path(tmp_path_factory.mktemp("crowded"))
    config = fx.write_config(directory)
    settings = load_settings(config)
    con = open_writer(settings.warehouse_path)
    try:
        fx.land_fixture(con)
        actions = [
            p.action(f"ZZ-{i:03d}", "2026-02-20", "Aberta", owner=f"@dono{i % 7}", line=30 + i)
            for i in range(EXTRA)
        ]
        land(
            con,
            "postmortems",
            "postmortem",
            [p.postmortem("PM-Z.md", ["pagerduty:PW09A"], published_at=None, actions=actions)],
        )
        build_and_publish(settings, con)
    finally:
        con.close()
    return config


def test_a_capped_list_says_n_of_m_and_where_the_rest_is(crowded: Path) -> None:
    # overdue at 03-10: the 205 + AC-02 (due 03-06, in progress) + BC-02 (due 03-02, open) = 207
    doc = review(crowded, links=ListLinks(app_url="https://opskpi.example.com/"))
    lines = section_lines(to_markdown(doc), "Ações corretivas atrasadas (todas em aberto agora)")
    url = (
        "https://opskpi.example.com/acoes-corretivas?period=week&week=2026-W10"
        "&as_of=2026-03-10T12%3A00%3A00%2B00%3A00&scope=all"
    )
    assert f"mostrando 200 de 207 — [lista completa no app (Ações corretivas)]({url})" in lines
    overdue = next(s for s in doc.sections if s.title.startswith("Ações corretivas atrasadas"))
    table = next(b for b in overdue.blocks if isinstance(b, Table))
    assert (len(table.rows), table.total) == (200, 207)


def test_written_to_a_file_the_full_list_is_a_csv_beside_it(
    crowded: Path, tmp_path: Path, capsys
) -> None:
    target = tmp_path / "out" / "review.md"
    argv = ["report", "--config", str(crowded), "--week", fx.WEEK, "--as-of", fx.AS_OF_PARAM]
    assert main([*argv, "--output", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert (
        "mostrando 200 de 207 — [CSV: review-overdue-actions.csv](review-overdue-actions.csv)"
        in text.splitlines()
    )
    csv_lines = (target.parent / "review-overdue-actions.csv").read_text().splitlines()
    assert len(csv_lines) == 1 + 207
    assert csv_lines[0].startswith("Ação,Descrição,Responsável,Prazo")
    assert sum(line.startswith("ZZ-") for line in csv_lines) == EXTRA
    assert "review-overdue-actions.csv" in capsys.readouterr().err
    # on stdout there is no file to point at: the note says how to get one
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "mostrando 200 de 207 — lista completa: grave o relatório com --output" in out


def test_briefing_lists_are_capped_too(crowded: Path) -> None:
    # the briefing's lists stop at [report] briefing_limit; 2 late postmortems since 02/03
    doc = review(crowded, options=ReviewOptions(briefing_limit=1))
    late = next(s for s in doc.briefing if s.title == "Postmortems atrasados")
    note = next(b for b in late.blocks if isinstance(b, Paragraph) and "mostrando" in str(b))
    assert note.parts[0] == "mostrando 1 de 2"


# -- the HTML file ------------------------------------------------------------------------------


def test_html_is_self_contained_printable_and_has_the_charts(config: Path) -> None:
    doc = review(config)
    page = to_html(doc)
    assert page == to_html(review(config))  # deterministic: the same review, the same bytes
    for remote in ("<script", "<link", "src=", "@import", "@font-face"):
        assert remote not in page
    # the SVG refers only to itself (its markers and clip paths)
    assert re.findall(r"url\((?!#)", page) == []
    assert re.findall(r'xlink:href="(?!#)', page) == []
    assert "@page { size: A4" in page and "@media print" in page
    assert page.count("<svg") == 4 == len(doc.charts())
    titles = [c.title for c in doc.charts()]
    assert titles == [
        "Incidentes por semana, por severidade",
        "Tempos de reconhecimento e de resolução: mediana e p90 contra o alvo",
        "Cumprimento do SLA por semana",
        "Incidentes causados por release, por semana",
    ]
    assert page.index('<section class="briefing">') < page.index("<svg")


def test_charts_show_twelve_weeks_with_gaps_n_and_partial_weeks(config: Path) -> None:
    incidents, durations, compliance, releases = review(config).charts()
    assert incidents.weeks[0] == "2025-W51" and incidents.weeks[-1] == "2026-W10"
    assert incidents.labels[-2:] == ("23/02", "02/03")
    assert not any(incidents.partial)  # W10 ended before as_of
    bars = {s.name: s.values[-2:] for s in incidents.panels[0].series}
    assert bars == {"sev1": (1.0, 2.0), "sev2": (1.0, 2.0), "sev3": (1.0, 2.0), "sev4": (0.0, 1.0)}
    sev1_tta = durations.panels[0]
    assert sev1_tta.title == "sev1 · TTA (reconhecimento)"
    median = sev1_tta.series[0]
    # no sev1 before W09: a gap, not a zero; W09 360 s (n 1), W10 (240 + 600) / 2 = 420 s (n 2)
    assert median.values[:10] == (None,) * 10
    assert median.values[-2:] == (360.0, 420.0)
    assert median.n[-2:] == (1, 2)
    ack = compliance.panels[0].series[0]
    assert (ack.values[-2:], ack.n[-2:]) == ((2 / 3, 0.6), (3, 5))
    # a review of the week still running: its week is partial, drawn apart and labelled
    running = review(config, week="2026-W11").charts()[0]
    assert running.partial[-1] and not any(running.partial[:-1])
    assert running.labels[-1] == "09/03"
    svg = chart_svg(running, "pt-BR")
    assert re.search(r"09/03\s*</text>.*?parcial|09/03.{0,400}parcial", svg, flags=re.S)
    assert releases.panels[0].series[0].n[-1] == 7  # 3/7 release-caused, n = incidents
