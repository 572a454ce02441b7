"""Config: the policy defaults, durations, key-naming errors, secrets, and where it is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from opskpi.config import ConfigError, load_settings, settings_from_dict
from opskpi.config.durations import Duration, parse_duration
from opskpi.config.secrets import SecretError


def settings(data: dict, tmp_path: Path = Path(".")):
    return settings_from_dict(data, base_dir=tmp_path, origin="opskpi.toml")


def test_policy_defaults_follow_the_policy() -> None:
    s = settings({})
    rows = {r["severity"]: r for r in s.policy_rows()}
    assert (rows["sev1"]["ack_target_seconds"], rows["sev1"]["resolve_target_seconds"]) == (
        300,
        3600,
    )
    assert (rows["sev2"]["ack_target_seconds"], rows["sev2"]["resolve_target_seconds"]) == (
        900,
        14400,
    )
    assert (rows["sev3"]["ack_target_seconds"], rows["sev3"]["resolve_target_seconds"]) == (
        3600,
        86400,
    )
    assert rows["sev4"]["ack_target_seconds"] is None
    assert rows["sev1"]["postmortem_window_seconds"] == 48 * 3600
    assert rows["sev2"]["postmortem_window_business_days"] == 3
    assert rows["sev3"]["postmortem_window_business_days"] == 5
    assert s.model.policy.paging_escalation_timeout.seconds == 300
    assert s.model.policy.release_window.seconds == 3600
    assert s.model.report.timezone == "America/Sao_Paulo"
    assert s.model.report.holidays == "BR"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", Duration(seconds=90)),
        ("5m", Duration(seconds=300)),
        ("4h", Duration(seconds=14400)),
        ("7d", Duration(seconds=604800)),
        ("1.5h", Duration(seconds=5400)),
    ],
)
def test_durations(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


def test_business_days_only_where_allowed() -> None:
    assert parse_duration("3bd", allow_business_days=True) == Duration(business_days=3)
    with pytest.raises(ValueError, match="business days are not allowed"):
        parse_duration("3bd")
    with pytest.raises(ConfigError, match=r"policy\.sev1\.ack_target: business days"):
        settings({"policy": {"sev1": {"ack_target": "1bd"}}})


def test_errors_name_the_key_and_what_was_expected() -> None:
    with pytest.raises(ConfigError) as err:
        settings(
            {
                "policy": {"sev2": {"resolve_target": "4 hours"}},
                "colour": "blue",
                "report": {"timezone": "Mars/Olympus"},
            }
        )
    message = str(err.value)
    assert message.startswith("opskpi.toml: ")
    assert "policy.sev2.resolve_target: expected a duration like" in message
    assert "'4 hours'" in message
    assert "colour: unknown key" in message
    assert "report.timezone: expected an IANA time zone" in message


def test_secrets_never_in_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'token' must not be written in the config file"):
        settings({"sources": {"pagerduty": {"token": "u+abcdefgh"}}})
    with pytest.raises(ConfigError, match="set exactly one of 'token_env' or 'token_file'"):
        settings({"sources": {"argocd": {"base_url": "https://argo"}}})


def test_secret_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PD_TOKEN_FOR_TEST", "u+secret-value-1234")
    s = settings({"sources": {"pagerduty": {"token_env": "PD_TOKEN_FOR_TEST"}}}, tmp_path)
    secret = s.secret("pagerduty")
    assert secret.reveal() == "u+secret-value-1234"
    assert "secret-value" not in repr(secret) and repr(secret).startswith("Secret(*1234")
    (tmp_path / "og.key").write_text("og-key-abcdef9876\n")
    s = settings({"sources": {"opsgenie": {"api_key_file": "og.key"}}}, tmp_path)
    assert s.secret("opsgenie").reveal() == "og-key-abcdef9876"
    monkeypatch.delenv("PD_TOKEN_FOR_TEST")
    s = settings({"sources": {"pagerduty": {"token_env": "PD_TOKEN_FOR_TEST"}}}, tmp_path)
    with pytest.raises(SecretError, match="environment variable PD_TOKEN_FOR_TEST is not set"):
        s.secret("pagerduty")


def test_severity_map_overrides_merge_with_defaults() -> None:
    s = settings(
        {
            "sources": {
                "pagerduty": {
                    "token_env": "X",
                    "severity": {"priority": {"SEV-1": "sev1"}, "urgency": {"low": "sev4"}},
                }
            }
        }
    )
    assert s.severity_map("pagerduty", "priority")["P2"] == "sev2"
    assert s.severity_map("pagerduty", "priority")["SEV-1"] == "sev1"
    assert s.severity_map("pagerduty", "urgency") == {"high": "sev2", "low": "sev4"}
    with pytest.raises(ConfigError, match=r"sources\.pagerduty\.severity\.priority\.P1"):
        settings(
            {
                "sources": {
                    "pagerduty": {"token_env": "X", "severity": {"priority": {"P1": "critical"}}}
                }
            }
        )


def test_config_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPSKPI_CONFIG", raising=False)
    # nothing found: built-in defaults on the demo warehouse
    s = load_settings(cwd=tmp_path)
    assert s.origin.startswith("built-in defaults")
    assert s.warehouse_path == tmp_path / "data/demo/opskpi.duckdb"
    # ./opskpi.toml
    (tmp_path / "opskpi.toml").write_text('[warehouse]\npath = "wh/here.duckdb"\n')
    s = load_settings(cwd=tmp_path)
    assert s.warehouse_path == tmp_path / "wh/here.duckdb"
    assert s.serving_path == tmp_path / "wh/here.serving.duckdb"
    # $OPSKPI_CONFIG beats ./opskpi.toml; paths are relative to the file
    other = tmp_path / "etc" / "other.toml"
    other.parent.mkdir()
    other.write_text('[warehouse]\npath = "other.duckdb"\n')
    monkeypatch.setenv("OPSKPI_CONFIG", str(other))
    assert load_settings(cwd=tmp_path).warehouse_path == other.parent / "other.duckdb"
    # --config beats both
    assert load_settings(tmp_path / "opskpi.toml", cwd=tmp_path).origin.endswith("opskpi.toml")


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[report\ntimezone = 1\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_settings(bad)
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(tmp_path / "missing.toml")


def test_example_config_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    example = Path(__file__).resolve().parents[1] / "opskpi.example.toml"
    s = load_settings(example)
    assert s.configured_sources == ["pagerduty", "opsgenie", "argocd", "postmortems"]


def test_pagerduty_custom_fields_are_opt_in() -> None:
    """One request per incident: read only when named; Opsgenie tags cost nothing."""
    default = settings({}).model
    assert (default.taxonomy.pagerduty_field, default.releases.pagerduty_field) == (None, None)
    assert (default.taxonomy.opsgenie_tag_prefix, default.releases.opsgenie_tag_prefix) == (
        "cause:",
        "release:",
    )
    example = load_settings(Path(__file__).resolve().parents[1] / "opskpi.example.toml").model
    assert example.taxonomy.pagerduty_field is None and example.releases.pagerduty_field is None
