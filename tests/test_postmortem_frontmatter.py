"""Front matter: authoritative where present, scalars as written, problems named by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from opskpi.etl.sources.postmortems import ReadError, read_postmortems

TITLE = "# Postmortem — INC-20260301-1 (Sev2)\n"


@pytest.fixture(autouse=True)
def _no_git_above_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def read_one(folder: Path, text: str) -> tuple[dict, list[ReadError]]:
    (folder / "pm.md").write_text(text, encoding="utf-8")
    [postmortem], errors = read_postmortems(folder)
    return postmortem, errors


def test_scalars_stay_as_written(tmp_path: Path) -> None:
    text = """\
---
incidents: pagerduty:Q1ABC2DEF
severity: 2
published_at: 2026-03-02
root_cause: Capacidade
release: no
---
# Postmortem — INC-20260301-9 (Sev1)
"""
    pm, errors = read_one(tmp_path, text)
    # Not a date, an int, a bool: the strings in the file. A lone string is a one-item list.
    assert pm["incidents"] == ["pagerduty:Q1ABC2DEF"]
    assert (pm["severity"], pm["published_at"], pm["root_cause"]) == (
        "2",
        "2026-03-02",
        "Capacidade",
    )
    assert pm["release"] == "no"
    assert errors == [
        ReadError("pm.md", 6, "front-matter release 'no' is not of the form 'app@revision'; "
                  "it was kept as written"),
    ]  # fmt: skip


def test_doubtful_values_are_kept_with_a_warning(tmp_path: Path) -> None:
    text = (
        """\
---
incidents: ["Q1ABC2DEF", "pagerduty:Q2"]
root_cause: bananas
published_at: ontem
---
"""
        + TITLE
    )
    pm, errors = read_one(tmp_path, text)
    assert (pm["incidents"], pm["root_cause"], pm["published_at"]) == (
        ["Q1ABC2DEF", "pagerduty:Q2"], "bananas", "ontem",
    )  # fmt: skip
    assert pm["published_at_source"] == "front_matter"
    assert [(e.line, e.reason.split(";")[0]) for e in errors] == [
        (2, "front-matter 'incidents' item 'Q1ABC2DEF' is not of the form 'source:id' "
            "(e.g. 'pagerduty:Q1ABC2DEF')"),
        (3, "front-matter root_cause 'bananas' is not a taxonomy key (change, capacity, "
            "external_dependency, data, security, process, unclassified)"),
        (4, "front-matter published_at 'ontem' is not an ISO-8601 date or time "
            "(e.g. 2026-03-02T14:00:00-03:00)"),
    ]  # fmt: skip


def test_unusable_values_fall_back_to_the_text(tmp_path: Path) -> None:
    text = """\
---
incidents: {pagerduty: Q1}
severity: [sev1, sev2]
root_cause:
---
# Postmortem — INC-20260301-1 (Sev3)
Paged as https://acme.pagerduty.com/incidents/Q9TEXT.

## Causa-raiz
Processo de deploy sem revisão.
"""
    pm, errors = read_one(tmp_path, text)
    assert pm["incidents"] == ["pagerduty:Q9TEXT"]
    assert pm["severity"] == "sev3"
    assert pm["root_cause"] == "process"
    assert pm["has_front_matter"] is True
    assert [(e.line, e.reason) for e in errors] == [
        (2, "front-matter 'incidents' should be a list of 'source:id' strings; the incidents "
            "were read from the text instead"),
        (3, "front-matter 'severity' is a list, expected a single value; it was ignored and "
            "'severity' was read from the text instead"),
    ]  # fmt: skip


def test_explicit_empty_incident_list_is_authoritative(tmp_path: Path) -> None:
    text = "---\nincidents: []\n---\n" + TITLE + "See pagerduty:Q1ABC2DEF.\n"
    pm, errors = read_one(tmp_path, text)
    assert pm["incidents"] == []
    assert [(e.line, e.reason) for e in errors] == [
        (2, "front-matter 'incidents' is an empty list; the postmortem is linked to no incident"),
    ]


def test_unknown_and_repeated_keys_are_reported_but_the_file_loads(tmp_path: Path) -> None:
    text = (
        """\
---
incidents: [pagerduty:Q1ABC2DEF]
owner: "@alice"
severity: sev1
severity: sev2
---
"""
        + TITLE
    )
    pm, errors = read_one(tmp_path, text)
    assert pm["incidents"] == ["pagerduty:Q1ABC2DEF"]
    assert pm["severity"] == "sev2"
    assert errors == [
        ReadError("pm.md", 3, "unknown front-matter key 'owner' was ignored (known keys: "
                  "incidents, severity, root_cause, published_at, release); the rest of the "
                  "file was loaded"),
        ReadError("pm.md", 5, "front-matter key 'severity' is written twice; the last value "
                  "was used (expected each key once)"),
    ]  # fmt: skip


def test_broken_front_matter_skips_only_that_file(tmp_path: Path) -> None:
    broken = {
        "bad.md": '---\nincidents: ["pagerduty:Q1ABC2DEF"]\nseverity: sev2: high\n---\n',
        "unclosed.md": "---\nseverity: sev2\n",
        "list.md": "---\n- pagerduty:Q1ABC2DEF\n---\n",
        "tag.md": "---\nseverity: !!python/object/apply:os.system [echo]\n---\n",
    }
    for name, front_matter in broken.items():
        (tmp_path / name).write_text(front_matter + TITLE, encoding="utf-8")
    (tmp_path / "good.md").write_text(TITLE + "pagerduty:Q1\n", encoding="utf-8")

    postmortems, errors = read_postmortems(tmp_path)

    assert [pm["id"] for pm in postmortems] == ["good.md"]
    assert [(e.path, e.line) for e in errors] == [
        ("bad.md", 3), ("list.md", 2), ("tag.md", 2), ("unclosed.md", 1),
    ]  # fmt: skip
    assert errors[0].reason == (
        "front matter is not valid YAML (mapping values are not allowed here); expected "
        "`key: value` lines between the two '---' lines; the file was skipped"
    )
    assert errors[1].reason.startswith("front matter is not a mapping")
    assert errors[3].reason == (
        "front matter opened with '---' on line 1 is never closed; expected a closing '---' "
        "line; the file was skipped"
    )


def test_known_taxonomy_can_be_extended(tmp_path: Path) -> None:
    text = TITLE + "pagerduty:Q1\n\n## Root cause\nA cosmic ray flipped a bit (category: cosmic).\n"
    pm, errors = read_one(tmp_path, text)
    assert pm["root_cause"] is None
    [pm], errors = read_postmortems(tmp_path, known_taxonomy=["change", "cosmic"])
    assert pm["root_cause"] == "cosmic"
    assert errors == []
