"""No URL gives a traceback: a value the app cannot use is named in a visible warning with what
the parameter accepts, and a safe default is used (AppTest on tests/app_fixture.py's warehouse,
judged at 2026-03-10T12:00Z = 09:00 in São Paulo, so today is 2026-03-10).

Default period: the 28 full days before today, [2026-02-10, 2026-03-10) → "10/02/2026 –
09/03/2026". The fixture's 10 incidents (W09: 3, W10: 7; PW10E merged apart) all fall in it.
"""

from __future__ import annotations

from pathlib import Path

import app_fixture as fx
import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PINNED = {"as_of": fx.AS_OF_PARAM}
DEFAULT_DAYS = "28 dias completos: 10/02/2026 – 09/03/2026 (America/Sao_Paulo)"


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = Path(tmp_path_factory.mktemp("app_urls"))
    fx.build_fixture(directory)
    return directory / "opskpi.toml"


def warnings_of(at) -> list[str]:
    return [w.value for w in at.warning]


def header_of(at) -> str:
    return fx.captions_of(at)[0]


def test_the_default_period_is_stated(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, PINNED)
    assert not at.exception and warnings_of(at) == []
    assert header_of(at).startswith(DEFAULT_DAYS)
    assert fx.metrics_of(at)["Incidentes"] == "10"
    assert at.sidebar.selectbox(key="flt_period").value == "28d"


def test_a_stale_incident_link_says_not_found(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, {**PINNED, "incident": "pagerduty:NOPE"}, "incidents")
    assert not at.exception
    assert warnings_of(at) == [
        "Incidente não encontrado: `pagerduty:NOPE`. O link pode ser antigo, ou o incidente não "
        "está no snapshot publicado."
    ]


def test_a_long_value_is_cut_in_the_message(config: Path, monkeypatch) -> None:
    key = "pagerduty:" + "x" * 500
    at = fx.app_test(config, monkeypatch, {**PINNED, "incident": key}, "incidents")
    assert not at.exception
    (warning,) = warnings_of(at)
    # 60 characters at most: the first 59 and an ellipsis
    assert f"`{key[:59]}…`" in warning and key not in warning


def test_a_bad_review_week_falls_back_to_the_last_full_week(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, {**PINNED, "review_week": "2026-W99"}, "weekly_review")
    assert not at.exception
    (warning,) = warnings_of(at)
    assert "`review_week` = `2026-W99`" in warning and "semana ISO como 2026-W10" in warning
    # today 2026-03-10 (Tuesday of W11): the last full week is W10
    assert at.selectbox(key="review_week").value == "2026-W10"


def test_an_as_of_out_of_range_is_ignored(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, {"as_of": "9999-12-31T23:00:00Z"})
    assert not at.exception
    (warning,) = warnings_of(at)
    assert "`as_of` = `9999-12-31T23:00:00Z`" in warning
    assert "entre 1971-01-01 e 2999-12-30" in warning
    assert not any("fixado pela URL" in c for c in fx.captions_of(at))  # judged now instead
    assert "as_of" not in at.query_params


def test_a_custom_since_out_of_range_is_ignored(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, {**PINNED, "period": "custom", "since": "0001-01-01"})
    assert not at.exception
    (warning,) = warnings_of(at)
    assert "`since` = `0001-01-01`" in warning and "entre 1970-01-01 e 2999-12-31" in warning
    # the custom range starts as the default period's days
    assert header_of(at).startswith("10/02/2026 – 09/03/2026 (America/Sao_Paulo)")
    assert (at.query_params["since"], at.query_params["until"]) == ("2026-02-10", "2026-03-10")


def test_until_before_since_is_ignored(config: Path, monkeypatch) -> None:
    params = {**PINNED, "period": "custom", "since": "2026-03-05", "until": "2026-03-01"}
    at = fx.app_test(config, monkeypatch, params)
    assert not at.exception
    (warning,) = warnings_of(at)
    assert "`until` = `2026-03-01`" in warning and "depois de since" in warning


def test_a_bad_week_falls_back_to_the_last_full_week(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, {**PINNED, "period": "week", "week": "2026-W99"})
    assert not at.exception
    (warning,) = warnings_of(at)
    assert "`week` = `2026-W99`" in warning
    assert header_of(at).startswith("Semana 2026-W10: 02/03/2026 – 08/03/2026")
    assert fx.metrics_of(at)["Incidentes"] == "7"


def test_an_unknown_preset_lists_the_valid_ones(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, {**PINNED, "period": "yesterday"})
    assert not at.exception
    (warning,) = warnings_of(at)
    assert "`period` = `yesterday`" in warning
    assert "valores válidos: `7d`, `28d`, `90d`, `week`, `custom`." in warning
    assert header_of(at).startswith(DEFAULT_DAYS)


def test_an_unknown_severity_lists_the_known_ones(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, {**PINNED, "severity": ["sev1", "bogus"]})
    assert not at.exception
    assert warnings_of(at) == [
        "A URL traz `severity` = `bogus`, que não foi usado: valores conhecidos: `sev1`, `sev2`, "
        "`sev3`, `sev4`, `unknown`. Usando o padrão."
    ]
    # the known value stays: sev1 incidents of the default period are PW09A, PW10A, PW10D
    assert at.sidebar.multiselect(key="flt_severity").value == ["sev1"]
    assert fx.metrics_of(at)["Incidentes"] == "3"
    assert at.query_params["severity"] == "sev1"  # the bad value left the URL


def test_an_unknown_team_lists_the_known_ones(config: Path, monkeypatch) -> None:
    at = fx.app_test(config, monkeypatch, {**PINNED, "team": "Nope"})
    assert not at.exception
    (warning,) = warnings_of(at)
    assert "`team` = `Nope`" in warning
    assert "valores conhecidos: `Obras`, `Payments`, `Plataforma`." in warning
    assert fx.metrics_of(at)["Incidentes"] == "10"  # no team filter: everything


def test_a_value_is_shown_as_text_never_as_markup(config: Path, monkeypatch) -> None:
    hostile = "![x](http://127.0.0.1:9/x.png) :material/home: `tick"
    at = fx.app_test(config, monkeypatch, {**PINNED, "service": hostile})
    assert not at.exception
    (warning,) = warnings_of(at)
    # inside a code span (fenced by two backticks, as the value holds one): nothing renders
    assert f"`service` = ``{hostile}``" in warning


def test_warnings_speak_english_by_config(tmp_path: Path, monkeypatch) -> None:
    fx.build_fixture(tmp_path, language="en")
    params = {**PINNED, "severity": "sev9"}
    at = fx.app_test(tmp_path / "opskpi.toml", monkeypatch, params)
    assert not at.exception
    assert warnings_of(at) == [
        "The URL has `severity` = `sev9`, which was not used: known values: `sev1`, `sev2`, "
        "`sev3`, `sev4`, `unknown`. Using the default instead."
    ]
    assert header_of(at).startswith("28 full days: 2026-02-10 – 2026-03-09 (America/Sao_Paulo)")
    at = fx.app_test(
        tmp_path / "opskpi.toml", monkeypatch, {**PINNED, "incident": "opsgenie:gone"}, "incidents"
    )
    assert not at.exception
    assert warnings_of(at)[0].startswith("Incident not found: `opsgenie:gone`.")
