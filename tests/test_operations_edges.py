"""The smaller findings of a bad day: credentials never over plain http off loopback, a
warehouse that cannot be written, an absurd duration, a closed stdout, a killed publish's temp
files. Each ends in one clear line (or quietly), never a traceback or "internal error"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from opskpi.app.cli.main import EXIT_BROKEN_PIPE, main
from opskpi.config import ConfigError, settings_from_dict
from opskpi.config.secrets import Secret
from opskpi.etl.errors import ConfigurationError
from opskpi.etl.http.client import HttpClient
from opskpi.etl.http.transport import is_loopback
from opskpi.etl.sync import run_sync
from opskpi.etl.warehouse.build import build_and_publish
from opskpi.etl.warehouse.connect import open_memory, open_writer

REPO = Path(__file__).resolve().parents[1]


# -- https ---------------------------------------------------------------------------------------


class NoNetwork:
    """A requests session that fails the test if anything is sent."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.verify: object = True

    def request(self, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"a request was sent: {args}")


@pytest.mark.parametrize(
    ("source", "section"),
    [
        ("opsgenie", {"api_key_env": "OPSKPI_TEST_OG_KEY"}),
        ("argocd", {"token_env": "OPSKPI_TEST_ARGO_TOKEN"}),
        ("pagerduty", {"token_env": "OPSKPI_TEST_PD_TOKEN"}),
    ],
)
def test_a_plain_http_base_url_off_loopback_is_refused_naming_the_key(
    source: str, section: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPSKPI_TEST_OG_KEY", "OPSKPI_TEST_ARGO_TOKEN", "OPSKPI_TEST_PD_TOKEN"):
        monkeypatch.setenv(name, "s3cr3t-t0ken-value-1234")
    settings = settings_from_dict(
        {"sources": {source: {"base_url": f"http://{source}.invalid/api", **section}}},
        base_dir=tmp_path,
        origin="opskpi.toml",
    )
    report = run_sync(settings, con=open_memory())
    [result] = report.results
    assert result.status == "failed"
    assert result.error == (
        f"sources.{source}.base_url: expected an https:// URL (http:// only on "
        f"127.0.0.1/localhost), got 'http://{source}.invalid/api'; credentials are never "
        "sent over plain http to another host"
    )
    assert result.counts["requests"] == 0
    assert "s3cr3t" not in (result.error or "")


def test_the_client_refuses_before_any_connection() -> None:
    with pytest.raises(ConfigurationError, match=r"^sources\.opsgenie\.base_url: expected an"):
        HttpClient(
            "http://api.opsgenie.invalid",
            secret=Secret("key-1234567890", "test"),
            auth_scheme="GenieKey",
            session=NoNetwork(),  # type: ignore[arg-type]
            name="opsgenie",
        )
    client = HttpClient(
        "https://api.opsgenie.invalid",
        session=NoNetwork(),
        name="opsgenie",  # type: ignore[arg-type]
    )
    assert client.base_url == "https://api.opsgenie.invalid"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("::1", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("localhost.invalid", False),
        ("127.0.0.1.invalid", False),
        ("10.0.0.1", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_hosts(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


# -- config ranges --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("sync", "initial_lookback", "99999999999d", "at most 36500d (100 years)"),
        ("sync", "lookback", "9" * 40 + "s", "of a sane size"),
        ("sync", "stale_after", "0s", "a positive duration"),
        ("policy", "release_window", "36501d", "at most 36500d (100 years)"),
        ("postmortems", "max_file_size", "2GB", "at most 1,000,000,000 bytes"),
        ("sync", "reject_retries", 51, "less than or equal to 50"),
    ],
)
def test_config_ranges_are_checked_naming_the_key(
    section: str, key: str, value: object, message: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as error:
        settings_from_dict({section: {key: value}}, base_dir=tmp_path, origin="opskpi.toml")
    text = str(error.value)
    assert text.startswith(f"opskpi.toml: {section}.{key}: ")
    assert message in text
    assert len(text) < 300


def test_a_huge_lookback_is_refused_by_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "opskpi.toml"
    config.write_text('[sync]\ninitial_lookback = "99999999999d"\n[postmortems]\npath = "pm"\n')
    assert main(["sync", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"opskpi sync: {config}: sync.initial_lookback: expected a duration")
    assert err.count("\n") == 1


# -- the warehouse folder -------------------------------------------------------------------------


def unwritable_folder(tmp_path: Path) -> Path:
    if os.geteuid() == 0:  # root writes anywhere on a normal file system; /sys refuses it
        return Path("/sys/opskpi-test-unwritable")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


def test_a_warehouse_that_cannot_be_written_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = unwritable_folder(tmp_path)
    (tmp_path / "pm").mkdir()
    config = tmp_path / "opskpi.toml"
    config.write_text(f'[warehouse]\npath = "{folder}/sub/wh.duckdb"\n[postmortems]\npath = "pm"\n')
    assert main(["sync", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"opskpi sync: cannot create the warehouse folder {folder}")
    assert "check [warehouse] path" in err
    assert "internal error" not in err and err.count("\n") == 1


# -- a closed stdout ------------------------------------------------------------------------------


def test_a_closed_stdout_ends_quietly(tmp_path: Path) -> None:
    config = tmp_path / "opskpi.toml"
    config.write_text('[warehouse]\npath = "wh.duckdb"\n')
    settings = settings_from_dict(
        {"warehouse": {"path": "wh.duckdb"}}, base_dir=tmp_path, origin="test"
    )
    con = open_writer(settings.warehouse_path)
    build_and_publish(settings, con)
    con.close()
    env = {k: v for k, v in os.environ.items() if k not in ("OPSKPI_CONFIG", "OPSKPI_DEBUG")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "opskpi.app.cli", "kpis", "--json", "--config", str(config)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before anything is written (`| head` at its end)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == EXIT_BROKEN_PIPE
    assert err == ""


# -- a killed publish -----------------------------------------------------------------------------


def test_the_next_publish_removes_a_killed_publishs_temp_files(tmp_path: Path) -> None:
    settings = settings_from_dict(
        {"warehouse": {"path": "wh.duckdb"}}, base_dir=tmp_path, origin="test"
    )
    left = [
        tmp_path / "wh.serving.duckdb.tmp-4242",
        tmp_path / "wh.serving.duckdb.tmp-4242.wal",
        tmp_path / "wh.serving.duckdb.tmp-77",
    ]
    kept = [tmp_path / "wh.serving.duckdb.tmp-notes.txt", tmp_path / "other.duckdb.tmp-4242"]
    for path in [*left, *kept]:
        path.write_bytes(b"half a snapshot")
    con = open_writer(settings.warehouse_path)
    try:
        build_and_publish(settings, con)
    finally:
        con.close()
    assert [path.exists() for path in left] == [False, False, False]
    assert [path.exists() for path in kept] == [True, True]
    assert (tmp_path / "wh.serving.duckdb").is_file()
    assert sorted(p.name for p in tmp_path.glob("wh.serving.duckdb.tmp-*")) == [
        "wh.serving.duckdb.tmp-notes.txt"
    ]
