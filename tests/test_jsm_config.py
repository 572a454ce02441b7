"""``[sources.jsm]``: the keys docs/migration-opsgenie-to-jsm.md shows, the cutover instant, the
Basic credential made of two secrets, and the documented example block."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from opskpi.config import load_settings, settings_from_dict
from opskpi.config.load import ConfigError
from opskpi.etl.http.factory import secrets_redactor, source_http

REPO = Path(__file__).resolve().parents[1]
SITE = "https://acme.atlassian.net"


def jsm(tmp_path: Path, **keys: object) -> dict[str, object]:
    return {"sources": {"jsm": {"site": SITE, "email_env": "E", "api_token_env": "T", **keys}}}


def test_the_documented_example_block_is_valid(tmp_path: Path) -> None:
    text = (REPO / "opskpi.example.toml").read_text()
    lines = text.splitlines()
    start = lines.index("# [sources.jsm]")
    end = lines.index('# "P5" = "sev4"')
    block = [line[2:] for line in lines[start : end + 1]]
    uncommented = [*lines[:start], *block, *lines[end + 1 :]]
    config = tmp_path / "opskpi.toml"
    config.write_text("\n".join(uncommented) + "\n")
    settings = load_settings(config)
    assert settings.configured_sources == ["pagerduty", "opsgenie", "jsm", "argocd", "postmortems"]
    model = settings.model.sources.jsm
    assert model is not None
    assert (model.base_url, model.site, model.email_env, model.api_token_env) == (
        "https://api.atlassian.com",
        SITE,
        "JSM_EMAIL",
        "JSM_API_TOKEN",
    )
    # 2026-11-01 at midnight in America/Sao_Paulo (UTC-3) = 03:00 UTC
    assert model.cutover_at(settings.model.report.timezone) == datetime(2026, 11, 1, 3, tzinfo=UTC)
    assert model.pair_window.seconds == 600
    assert settings.severity_map("jsm", "priority")["P5"] == "sev4"
    assert settings.severity_map("jsm", "urgency") == {}


@pytest.mark.parametrize(
    ("cutover", "instant"),
    [
        ("2026-11-01", datetime(2026, 11, 1, 3, tzinfo=UTC)),
        ("2026-11-01T12:30:00+02:00", datetime(2026, 11, 1, 10, 30, tzinfo=UTC)),
        (
            datetime(2026, 11, 1, tzinfo=timezone(timedelta(hours=-5))),
            datetime(2026, 11, 1, 5, tzinfo=UTC),
        ),
    ],
)
def test_the_cutover_instant(tmp_path: Path, cutover: object, instant: datetime) -> None:
    model = settings_from_dict(jsm(tmp_path, cutover=cutover), base_dir=tmp_path, origin="t")
    source = model.model.sources.jsm
    assert source is not None and source.cutover_at("America/Sao_Paulo") == instant


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"cutover": "2026-11-01T00:00:00"}, "a date-time with an offset"),
        ({"cutover": "next week"}, "expected a date (2026-11-01)"),
        ({"email_env": None}, "set exactly one of 'email_env' or 'email_file'"),
        ({"api_token_file": "t.txt"}, "set exactly one of 'api_token_env' or 'api_token_file'"),
        ({"site": None}, "set 'cloud_id', or 'site'"),
        ({"cloud_id": "../../admin"}, "expected letters, digits and hyphens"),
        ({"api_token": "x"}, "'api_token' must not be written in the config file"),
        ({"email": "a@b"}, "'email' must not be written in the config file"),
    ],
)
def test_bad_settings_name_the_key(tmp_path: Path, keys: dict[str, object], message: str) -> None:
    config = jsm(tmp_path, **keys)
    source = config["sources"]["jsm"]  # type: ignore[index]
    for key, value in keys.items():
        if value is None:
            del source[key]
    with pytest.raises(ConfigError) as info:
        settings_from_dict(config, base_dir=tmp_path, origin="opskpi.toml")
    assert str(info.value).startswith("opskpi.toml: sources.jsm")
    assert message in str(info.value)


def test_the_basic_credential_and_its_parts_are_all_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("E", "ana@acme.example")
    (tmp_path / "token").write_text("ATATT-secret-token-1234\n")
    settings = settings_from_dict(
        {"sources": {"jsm": {"cloud_id": "c1", "email_env": "E", "api_token_file": "token"}}},
        base_dir=tmp_path,
        origin="t",
    )
    http = source_http(settings, "jsm")
    pair = base64.b64encode(b"ana@acme.example:ATATT-secret-token-1234").decode()
    assert http.secret.reveal() == pair  # what the Authorization header carries
    assert http.base_url == "https://api.atlassian.com"
    text = f"401 for ana@acme.example with ATATT-secret-token-1234, header Basic {pair}"
    for redact in (http.redactor, secrets_redactor(settings)):
        shown = redact(text)
        for secret in ("ana@acme.example", "ATATT-secret-token-1234", pair):
            assert secret not in shown
        # each shows as its last four characters
        assert "*mple" in shown and "*1234" in shown and f"*{pair[-4:]}" in shown
