"""The weekly review (app/report.py) on the fixture week 2026-W10: exact numbers in the Markdown
(worked out in tests/app_fixture.py), the HTML carrying the same content, and the commands
``opskpi report`` and ``opskpi app``."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import app_fixture as fx
import pytest

from opskpi.app.cli import web as app_cmd
from opskpi.app.cli.main import main
from opskpi.app.cli.report import output_format
from opskpi.app.i18n.translator import Translator
from opskpi.app.review.build import weekly_review
from opskpi.app.review.document import to_html, to_markdown
from opskpi.config import load_settings
from opskpi.metrics.period import Filters
from opskpi.metrics.snapshot import open_settings_snapshot


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = Path(tmp_path_factory.mktemp("report"))
    fx.build_fixture(directory)
    return directory / "opskpi.toml"


def review(config: Path, language: str = "pt-BR", filters: Filters | None = None):
    con = open_settings_snapshot(load_settings(config))
    try:
        return weekly_review(con, fx.WEEK, fx.AS_OF, Translator(language), filters)
    finally:
        con.close()


KPI_LINES = [
    "| Incidentes | 7 | 3 | +4 | +1 mesclados (fora da contagem) | — |",
    # 828 s vs 520 s
    "| MTTA (média) | 13 min 48 s | 8 min 40 s | +5 min 08 s | n=5 "
    "| sev1 ≤ 5 min · sev2 ≤ 15 min · sev3 ≤ 1 h 00 min |",
    # p90 1560 s vs 600 s
    "| Tempo de reconhecimento, p90 | 26 min | 10 min | +16 min | n=5 "
    "| sev1 ≤ 5 min · sev2 ≤ 15 min · sev3 ≤ 1 h 00 min |",
    # 6200 s vs 6800 s
    "| MTTR (média) | 1 h 43 min | 1 h 53 min | -10 min | n=6 "
    "| sev1 ≤ 1 h 00 min · sev2 ≤ 4 h 00 min · sev3 ≤ 1 d 00 h |",
    "| SLA de reconhecimento | 60,0 % | 66,7 % | -6,7 p.p. | n=5 "
    "| sev1 ≤ 5 min · sev2 ≤ 15 min · sev3 ≤ 1 h 00 min |",
    # counts of open or overdue things say their scope (issue 10): the week's
    "| Abertos violando SLA (incidentes da semana) | 1 | 0 | +1 | — | — |",
    "| Causados por release | 42,9 % | 33,3 % | +9,5 p.p. | 3/7 (explícitos 1, janela 3) | — |",
    "| Taxa de falha de mudança | 60,0 % | 100,0 % | -40,0 p.p. | 3/5 deploys com incidente | — |",
    "| Cobertura de runbook | 57,1 % | 66,7 % | -9,5 p.p. | 4/7 | — |",
    "| Aderência RCA | 25,0 % | 100,0 % | -75,0 p.p. | 1/4 | — |",
    "| Must-fix atrasadas (prazo na semana) | 1 | 0 | +1 | — | — |",
    "| Postmortems no prazo | 50,0 % | 0,0 % | +50,0 p.p. | 1/2 | — |",
    "| Reconhecidos na janela de paging | 40,0 % | 0,0 % | +40,0 p.p. | n=5 | — |",
    "| Taxa de escalonamento | 14,3 % | 0,0 % | +14,3 p.p. | 1/7 | — |",
]


def test_markdown_has_every_kpi_with_its_change(config: Path) -> None:
    text = to_markdown(review(config))
    assert text.startswith("# Revisão operacional semanal — 2026-W10\n")
    assert "- Semana de 02/03/2026 a 08/03/2026 (America/Sao_Paulo), comparada com 2026-W09" in text
    lines = text.splitlines()
    for line in KPI_LINES:
        assert line in lines


def test_markdown_sections_and_lists(config: Path) -> None:
    text = to_markdown(review(config))
    sections = re.findall(r"^## (.+)$", text, flags=re.M)
    assert sections == [
        "Indicadores",
        "Por severidade",
        "Causas-raiz",
        "Serviços com mais incidentes",
        "Por time",
        "Plantão por pessoa",
        "Incidentes da semana",
        "Incidentes sem runbook",
        "Ações corretivas atrasadas (todas em aberto agora)",
        "Ações em aberto que vencem na semana seguinte",
        "Postmortems atrasados ou ausentes",
    ]
    lines = text.splitlines()
    assert (
        "| sev1 | 2 | 7 min | 7 min | 9 min 24 s | 5 min | 50,0 % (n=2) | 50 min | 50 min "
        "| 50 min | 1 h 00 min | 100,0 % (n=1) | 1 |" in lines
    )
    assert "| Não classificado | 4 | 57,1 % | 1 | 33,3 % |" in lines
    # top services: obras-api 3 incidents (ttr 7200, 3600 → mean 1 h 30 min), 2 without runbook
    assert "| obras-api | 3 | 1 h 30 min | 100,0 % | 2 |" in lines
    assert (
        "| [pagerduty:PW10A](https://acme.pagerduty.com/incidents/PW10A) | 02/03/2026 10:00 "
        "| sev1 | checkout-api | 4 min | 50 min | Mudança (config, código, infra) | sim "
        "| argocd:checkout-api-prod#2 |"
    ) in lines
    # local time: created 2026-03-09T02:00Z is Sunday 23:00 in São Paulo, still in W10
    assert any(
        line.startswith("| [pagerduty:PW10F]") and "08/03/2026 23:00" in line for line in lines
    )
    assert "| opsgenie:og-w10-2 | notificacoes | sev4 | 07/03/2026 17:00 |" in lines
    assert "| AC-02 | do AC-02 | @bruno | 06/03/2026 | em curso | 4 | sim | PM-A.md |" in lines
    assert "| BC-02 | do BC-02 | @carla | 02/03/2026 | aberta | 8 | não | PM-B.md |" in lines
    assert (
        "| [pagerduty:PW10B](https://acme.pagerduty.com/incidents/PW10B) | sev2 "
        "| 07/03/2026 00:00 | ausente | 3 d 09 h |"
    ) in lines
    assert text.count("Nada a listar.") == 1  # no action due the following week
    # teams (tests/test_app_fixture.py works them out): Obras 3 incidents, MTTA median 1200 s,
    # MTTR median 5400 s, ack 1/2, resolve 2/2, 3 interruptions, 1 in sleep hours
    obras = next(line for line in lines if line.startswith("| Obras |"))
    assert obras.startswith("| Obras | 3 | 20 min | 1 h 30 min | 50,0 % | 100,0 % |")
    assert obras.endswith("| 3 | 33,3 % | 0,0 % | 0 |")
    assert "| Interrupções | 7 | 2 | +5 | comercial 5 · fora 1 · sono 1 | — |" in lines
    # per person (app_fixture): Davi 3 (2 business, 1 sleep) first, then Bruno, Carla, eva
    assert "| Davi | 3 | 2 | 0 | 1 | 33,3 % |" in lines
    assert "| eva@example.com | 1 | 0 | 1 | 0 | 0,0 % |" in lines
    assert "Mostrando" not in text  # 4 people: nothing capped


def test_filters_are_stated_and_applied(config: Path) -> None:
    text = to_markdown(review(config, filters=Filters(teams=("Obras",))))
    assert "- Filtros: Time: Obras" in text
    assert "| Incidentes | 3 | 1 | +2 | +0 mesclados (fora da contagem) | — |" in text
    # no postmortem of Obras' W10 incidents is due yet: no data, not 0 %
    assert "| Postmortems no prazo | sem dados | 0,0 % | — | 0/0 | — |" in text


def test_html_carries_the_same_content(config: Path) -> None:
    doc = review(config)
    html = to_html(doc)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="pt-BR">' in html
    cells = [unescape(c) for c in re.findall(r"<t[dh]>(.*?)</t[dh]>", html)]
    markdown_cells = [
        c.strip()
        for line in to_markdown(doc).splitlines()
        if line.startswith("| ")
        for c in line.strip("|").split(" | ")
    ]
    plain = [re.sub(r'<a href="[^"]*">(.*?)</a>', r"\1", c) for c in cells]
    assert [re.sub(r"\[(.*?)\]\(.*?\)", r"\1", c).strip() for c in markdown_cells] == plain
    assert '<a href="https://acme.pagerduty.com/incidents/PW10A">pagerduty:PW10A</a>' in html


def test_english_review(config: Path) -> None:
    text = to_markdown(review(config, "en"))
    assert text.startswith("# Weekly operational review — 2026-W10\n")
    assert "| Incidents | 7 | 3 | +4 | +1 merged (not counted) | — |" in text
    assert "| Acknowledge SLA | 60.0 % | 66.7 % | -6.7 pp | n=5 |" in text


def test_report_command_writes_the_same_document(config: Path, capsys, tmp_path: Path) -> None:
    argv = ["report", "--config", str(config), "--week", "2026-W10", "--as-of", fx.AS_OF_PARAM]
    assert main(argv) == 0
    assert capsys.readouterr().out == to_markdown(review(config))
    target = tmp_path / "review.html"
    assert main([*argv, "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == to_html(review(config))


def test_report_command_errors_are_one_line(config: Path, capsys) -> None:
    assert main(["report", "--config", str(config), "--week", "2026-10"]) == 1
    err = capsys.readouterr().err
    assert err == "opskpi report: --week: expected an ISO week like 2026-W10, got '2026-10'\n"


def test_output_format() -> None:
    assert output_format(None, None) == "md"
    assert output_format(None, "out/review.HTML") == "html"
    assert output_format("md", "review.html") == "md"


def test_app_command_line_and_environment(tmp_path: Path) -> None:
    command = app_cmd.streamlit_command(8600)
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert command[4].endswith("app/web/main.py")
    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert options["--server.address"] == "127.0.0.1"
    assert options["--server.port"] == "8600"
    assert options["--server.headless"] == "true"
    assert options["--browser.gatherUsageStats"] == "false"
    config = fx.write_config(tmp_path)
    env = app_cmd.app_environment(str(config), base={"PATH": "/usr/bin"})
    assert env == {"PATH": "/usr/bin", "OPSKPI_CONFIG": str(config.resolve())}
    assert "OPSKPI_CONFIG" not in app_cmd.app_environment("built-in defaults", base={})


def test_a_capped_people_list_says_so(config: Path, monkeypatch) -> None:
    from opskpi.app.review import build

    monkeypatch.setattr(build, "TOP_PEOPLE", 2)
    text = to_markdown(review(config))
    assert "| Davi | 3 | 2 | 0 | 1 | 33,3 % |" in text.splitlines()
    assert "| Carla |" not in text
    assert (
        "Mostrando 2 de 4 pessoas; a lista completa está na página Carga de plantão do app." in text
    )
