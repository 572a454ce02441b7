"""The "Carga de plantão" and "Times" pages (AppTest) on the app fixture, whose on-call, noise
and team values are worked out by hand in tests/app_fixture.py (week 2026-W10)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import app_fixture as fx
import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = Path(tmp_path_factory.mktemp("oncall_pages"))
    fx.build_fixture(directory)
    return directory / "opskpi.toml"


def test_oncall_page(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, page="oncall")
    assert not at.exception
    assert at.title[0].value == "Carga de plantão"
    shown = fx.metrics_of(at)
    assert shown["Interrupções"] == "7"
    assert shown["Interrupções no sono"] == "14,3 %"  # 1/7
    assert shown["Pessoas acionadas"] == "4"
    assert shown["Resolvidos sem reconhecimento"] == "16,7 %"  # 1/6
    assert shown["Alertas intermitentes (flapping)"] == "0,0 %"
    assert shown["Alertas por incidente"] == "1,4"  # 10/7
    captions = fx.captions_of(at)
    assert "comercial 5 · fora 1 · sono 1" in captions
    assert "no máximo 3 para uma pessoa" in captions
    assert any("dia útil 08:00-18:00" in c and "22:00-08:00" in c for c in captions)
    people, services = (d.value for d in at.dataframe)
    assert people["person"].tolist() == ["Davi", "Bruno", "Carla", "eva@example.com"]
    assert people["sleep_hours"].tolist() == [1, 0, 0, 0]
    assert people["share_text"].tolist()[0] == "33,3 %"
    # obras-api 3, checkout-api 2, notificacoes 2: none flaps, so by incidents then name
    assert services["dimension_value"].tolist() == ["obras-api", "checkout-api", "notificacoes"]
    assert len(at.get("plotly_chart")) == 3  # weekly classes, heat map, weekly noise


def test_oncall_page_follows_the_team_filter(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, {**fx.WEEK_PARAMS, "team": "Obras"}, page="oncall")
    assert not at.exception
    shown = fx.metrics_of(at)
    assert (shown["Interrupções"], shown["Interrupções no sono"]) == ("3", "33,3 %")
    assert at.dataframe[0].value["person"].tolist() == ["Davi"]


def test_teams_page_links_every_cell_to_the_filtered_view(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, page="teams")
    assert not at.exception
    assert at.title[0].value == "Times"
    table = at.dataframe[0].value

    def shown(url: str) -> str:
        return unquote(urlsplit(url).fragment)

    def target(url: str) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(url)
        return parts.path, parse_qs(parts.query)

    assert [shown(u) for u in table["team"]] == ["Obras", "Payments", "Plataforma"]
    obras = table.iloc[0]
    assert shown(obras["incidents"]) == "3"
    assert shown(obras["mtta_median"]) == "20 min"  # 1200 s
    assert shown(obras["mttr_p90"]) == "1 h 54 min"  # 6840 s
    assert shown(obras["ack_sla"]) == "50,0 %"
    assert shown(obras["sleep_hours_share"]) == "33,3 %"
    assert shown(table.iloc[1]["overdue_must_fix"]) == "1"  # Payments: AC-02
    path, query = target(obras["interruptions"])
    assert path == "carga-de-plantao"
    assert query["team"] == ["Obras"]
    assert query["period"] == ["week"] and query["week"] == [fx.WEEK]  # the view travels
    assert target(obras["change_failure_rate"])[0] == "releases"
    assert target(obras["overdue_must_fix"])[0] == "acoes-corretivas"
    assert target(obras["mttr_median"])[0] == "tempos-de-resposta"
