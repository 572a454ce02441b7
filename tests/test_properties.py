"""Property-based tests (hypothesis): random and adversarial input to the duration parser, the
config loader and the postmortem parser never raises anything but the module's own error type
(ValueError, ConfigError; the postmortem reader raises nothing and reports ReadError), and a
good record among bad ones is never lost."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from opskpi.config import ConfigError, load_settings, settings_from_dict
from opskpi.config.durations import Duration, parse_duration
from opskpi.etl.sources.postmortems import ReadError, read_postmortems


def attempt(call: Callable[[], Any], expected: type[Exception]) -> tuple[Any, Exception | None]:
    """(the result, None), or (None, the error) when ``call`` raised ``expected``; any other
    exception propagates and fails the test."""
    try:
        return call(), None
    except expected as error:
        return None, error


QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- durations -------------------------------------------------------------------------------------

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
numbers = st.one_of(
    st.integers(min_value=0, max_value=10**30).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    st.text(alphabet="0123456789.-+eE_ ", max_size=30),
)
duration_like = st.builds(
    lambda n, space, unit: f"{n}{space}{unit}",
    numbers,
    st.sampled_from(["", " ", "\t", "\n"]),
    st.sampled_from(["s", "m", "h", "d", "bd", "S", "ms", "w", "", "dd", "٣"]),
)


@QUICK
@given(st.one_of(st.text(), duration_like, st.integers(), st.floats(), st.none(), st.binary()))
@example("99999999999d")
@example("9" * 5000 + "s")
@example("٣d")  # a digit outside ASCII
@example("1e309s")
def test_a_duration_is_parsed_or_refused_with_a_value_error(value: Any) -> None:
    for business_days in (False, True):
        duration, error = attempt(
            lambda bd=business_days: parse_duration(value, allow_business_days=bd), ValueError
        )
        if error is not None:
            assert len(str(error)) < 300  # the value is never repeated whole
            continue
        assert isinstance(duration, Duration)
        if duration.seconds is not None:
            assert 0 < duration.seconds <= 100 * 365 * 86400
        else:
            assert duration.business_days is not None and 1 <= duration.business_days <= 1000


@QUICK
@given(st.integers(min_value=1, max_value=36_500), st.sampled_from(sorted(UNITS)))
def test_a_good_duration_is_never_lost(number: int, unit: str) -> None:
    seconds = number * UNITS[unit]
    if seconds > 100 * 365 * 86400:
        with pytest.raises(ValueError, match="at most 36500d"):
            parse_duration(f"{number}{unit}")
    else:
        assert parse_duration(f" {number} {unit} ") == Duration(seconds=float(seconds))


# -- the config loader -----------------------------------------------------------------------------

SECTIONS = [
    "report",
    "warehouse",
    "policy",
    "sources",
    "postmortems",
    "sync",
    "taxonomy",
    "releases",
    "services",
    "app",
    "exporter",
]
KEYS = [
    "timezone",
    "holidays",
    "language",
    "path",
    "memory_limit",
    "sev1",
    "ack_target",
    "pagerduty",
    "opsgenie",
    "argocd",
    "base_url",
    "token_env",
    "token",
    "initial_lookback",
    "lookback",
    "stale_after",
    "reject_retries",
    "max_file_size",
    "labels",
    "port",
    "bind",
    "refresh",
    "severity",
    "priority",
    "actions_csv",
    "argocd_apps",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "5m",
            "3bd",
            "99999999999d",
            "4MB",
            "http://x.invalid",
            "America/Sao_Paulo",
            "../../etc/passwd",
            "\x00",
            "sev1",
            "en",
        ]
    ),
)
toml_like = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=10)), inner, max_size=5),
    ),
    max_leaves=25,
)
configs = st.dictionaries(st.sampled_from(SECTIONS), toml_like, max_size=5)


@QUICK
@given(configs)
@example({"sync": {"initial_lookback": "99999999999d"}})
@example({"report": {"timezone": "\x00"}})
@example({"report": {"timezone": "../../../../etc/localtime"}})
@example({"postmortems": {"max_file_size": 10**400}})
def test_any_config_is_loaded_or_refused_with_a_config_error(data: dict[str, Any]) -> None:
    _, error = attempt(
        lambda: settings_from_dict(data, base_dir=Path("."), origin="opskpi.toml"), ConfigError
    )
    assert error is None or str(error).startswith("opskpi.toml: ")


@QUICK
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode)))
@example(b"[" * 100_000)
@example(b"a = [" + b"[" * 5_000 + b"]" * 5_000 + b"]")
@example(b"\xff\xfe[sync]")
def test_any_config_file_is_loaded_or_refused_with_a_config_error(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "opskpi.toml")
        path.write_bytes(raw)
        _, error = attempt(lambda: load_settings(path), ConfigError)
    assert error is None or str(error).startswith(str(path))


# -- the postmortem parser -------------------------------------------------------------------------


def good_postmortem(number: int) -> str:
    return f"""---
incidents: ["pagerduty:QGOOD{number}"]
severity: sev2
root_cause: capacity
published_at: 2026-03-02T14:00:00-03:00
---
# Postmortem — INC-2026030{number % 10}-{number} (Sev2)

## Causa-raiz
Pool de conexões saturado.

## Ações corretivas
| ID | Ação | Owner | Prazo | Status |
|----|------|-------|-------|--------|
| AC-{number} | Ajustar | @alice | 2026-03-10 | Concluída |
"""


yaml_bits = st.sampled_from(
    [
        "---",
        "...",
        "&a",
        "*a",
        "[",
        "]",
        "{",
        "}",
        ": ",
        "- ",
        "!!python/object:os.system",
        "|",
        ">",
        "'",
        '"',
        "\\ud800",
        "\\x00",
        "\t",
        "#",
        "incidents:",
        "severity:",
        "root_cause:",
        "published_at:",
        "release:",
        "? ",
        "%YAML 1.1",
        "<<: *a",
        "\n",
        "  ",
        "\u2028",
        "\r",
    ]
)
hostile_text = st.one_of(
    st.lists(st.one_of(yaml_bits, st.text(max_size=12)), max_size=60).map("".join),
    st.lists(st.one_of(yaml_bits, st.text(max_size=12)), max_size=40).map(
        lambda parts: "---\n" + "".join(parts) + "\n---\n# Postmortem — X (Sev2)\n"
    ),
    st.text(max_size=300),
)
hostile_file = st.one_of(
    hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=300)
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_file, min_size=1, max_size=4))
@example([b"---\nincidents: &a [*a]\n---\n# X\n"])
@example([b'---\nseverity: "\\ud800"\n---\n# X\n'])
@example([b"---\n" + b"[" * 10_000 + b"\n---\n# X\n"])
@example([b"---\n!!python/object/apply:os.system ['true']\n---\n# X\n"])
def test_hostile_files_never_break_the_reader_or_lose_a_good_postmortem(
    hostile: list[bytes],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        good = {f"good-{n}.md": good_postmortem(n) for n in (1, 2)}
        for name, text in good.items():
            (root / name).write_text(text, encoding="utf-8")
        alone, _ = read_postmortems(root)
        for n, data in enumerate(hostile):
            (root / f"hostile-{n}.md").write_bytes(data)
        postmortems, errors = read_postmortems(root)  # raises nothing
    by_id = {p["id"]: p for p in postmortems}
    for expected in alone:  # the good ones, exactly as when read alone
        assert by_id[expected["id"]] == expected
    assert all(isinstance(e, ReadError) for e in errors)
    assert all(len(e.reason) <= 600 for e in errors)
    for postmortem in postmortems:  # whatever loaded can be stored (UTF-8 JSON)
        import json

        json.dumps(postmortem, ensure_ascii=False).encode("utf-8")
