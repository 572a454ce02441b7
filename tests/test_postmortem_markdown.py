"""Markdown postmortems → dicts, values as written; bad files and rows → ReadError."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from opskpi.etl.sources.postmortems import ReadError, read_postmortems

FEB_11_NOON_UTC = 1770811200  # 2026-02-11T12:00:00+00:00


@pytest.fixture(autouse=True)
def _no_git_above_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep git from finding a repository above tmp_path: dates fall back to the mtime."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def write(folder: Path, name: str, text: str, mtime: int = FEB_11_NOON_UTC) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


PT_WITH_FRONT_MATTER = """\
---
incidents:
  - pagerduty:Q1ABC2DEF
severity: sev1
root_cause: change
published_at: 2026-03-05T10:30:00-03:00
release: checkout-api-prod@9f3c2a1
---
# Postmortem — INC-20260304-2 (Sev1)

## Resumo executivo
O checkout ficou indisponível por 42 minutos.

## Linha do tempo
- 14:02 deploy de checkout-api-prod@9f3c2a1
- 14:05 alerta https://acme.pagerduty.com/incidents/Q9ZZZ0000

## Impacto
12% dos pedidos falharam.

## Detecção
Alerta de taxa de erro.

## Causa-raiz
Capacidade do pool esgotada depois da mudança de timeout.

## O que funcionou / O que faltou
Rollback rápido; faltou alerta de pool.

## Ações corretivas (SMART)
| ID | Ação | Owner | Prazo | Status | Concluída em | Must-fix |
|----|------|-------|-------|--------|--------------|----------|
| AC-01 | Reverter timeout \\| retry | @alice | 2026-03-10 | Concluída | 2026-03-09 | sim |
| AC-02 | Alerta de pool saturado | @bob | 2026-03-20 | Aberta | | não |

## Anexos
Dashboard.
"""


def test_front_matter_is_authoritative_over_the_text(tmp_path: Path) -> None:
    write(tmp_path, "INC-20260304-2.md", PT_WITH_FRONT_MATTER)
    [pm], errors = read_postmortems(tmp_path)
    assert errors == []
    assert pm["reference"] == "INC-20260304-2"
    # The PagerDuty URL in the timeline is not added: front matter names the incidents.
    assert pm["incidents"] == ["pagerduty:Q1ABC2DEF"]
    assert pm["severity"] == "sev1"
    # The text names Capacidade first, but the front matter says change.
    assert pm["root_cause"] == "change"
    assert pm["published_at"] == "2026-03-05T10:30:00-03:00"
    assert pm["published_at_source"] == "front_matter"
    assert pm["release"] == "checkout-api-prod@9f3c2a1"
    assert pm["has_front_matter"] is True
    assert list(pm["sections"]) == [
        "resumo", "linha_do_tempo", "impacto", "deteccao", "causa_raiz",
        "o_que_funcionou_o_que_faltou", "acoes_corretivas", "anexos",
    ]  # fmt: skip
    assert pm["sections"]["resumo"] == "O checkout ficou indisponível por 42 minutos."
    assert pm["actions"] == [
        {"id": "AC-01", "action": "Reverter timeout | retry", "owner": "@alice",
         "due_date": "2026-03-10", "status": "Concluída", "completed_on": "2026-03-09",
         "must_fix": "sim", "line": 33},
        {"id": "AC-02", "action": "Alerta de pool saturado", "owner": "@bob",
         "due_date": "2026-03-20", "status": "Aberta", "completed_on": None,
         "must_fix": "não", "line": 34},
    ]  # fmt: skip


BARE_PT = """\
# Postmortem – INC-20260210-3 (SEV 3)

Incidente: https://acme.pagerduty.com/incidents/Q2DEF3GHI/timeline
Alerta relacionado: https://acme.app.opsgenie.com/alert/detail/70413a06-38d6-4c85-92b8-5ebc900d42e2/details

## RESUMO EXECUTIVO
Pagamentos recusados por 20 minutos.

## Causa raiz
- [ ] Mudança
- [x] Dependência externa: o provedor de pagamentos perdeu dados de sessão.

## Acoes corretivas
| ID | Ação | Owner | Prazo | Status |
|---|---|---|---|---|
| AC-07 | Circuit breaker no provedor | @carol | 2026-02-28 | Em curso |
"""


def test_bare_template_reads_heading_severity_urls_and_mtime(tmp_path: Path) -> None:
    write(tmp_path, "2026/02/INC-20260210-3.md", BARE_PT)
    [pm], errors = read_postmortems(tmp_path)
    assert errors == []
    assert pm["id"] == "2026/02/INC-20260210-3.md"
    assert pm["title"] == "Postmortem – INC-20260210-3 (SEV 3)"
    assert pm["reference"] == "INC-20260210-3"
    assert pm["severity"] == "sev3"
    assert pm["incidents"] == [
        "pagerduty:Q2DEF3GHI",
        "opsgenie:70413a06-38d6-4c85-92b8-5ebc900d42e2",
    ]
    # The unticked "Mudança" is a ruled-out cause; "dados" comes after the ticked one.
    assert pm["root_cause"] == "external_dependency"
    assert pm["release"] is None
    assert pm["has_front_matter"] is False
    assert pm["published_at"] == "2026-02-11T12:00:00+00:00"
    assert pm["published_at_source"] == "mtime"
    assert pm["actions"] == [
        {"id": "AC-07", "action": "Circuit breaker no provedor", "owner": "@carol",
         "due_date": "2026-02-28", "status": "Em curso", "completed_on": None,
         "must_fix": None, "line": 16},
    ]  # fmt: skip


ENGLISH = """\
# Postmortem - INC-20260115-1 (sev2)

## Executive summary
Search was slow. Tracked as opsgenie:8d1c7b52-1f0e-4a4e-9b7a-1c2d3e4f5a6b.

## Timeline
10:00 paged.

## Impact
p95 latency 4 s.

## Detection
Synthetic check.

## Root cause
A config change earlier had halved the pool.
Category: Capacity

## What went well
Fast paging.

## What went wrong
No pool alert.

## Corrective actions
| Action | ID | Status | Due | Owner | Completed on |
|:-------|:--:|--------|-----|-------|-------------:|
| Add pool saturation alert | AC-1 | Done | 2026-01-20 | @dave | 2026-01-19 |

## Attachments
None.
"""


def test_english_headings_and_columns_in_any_order(tmp_path: Path) -> None:
    write(tmp_path, "search.md", ENGLISH)
    [pm], errors = read_postmortems(tmp_path)
    assert errors == []
    assert pm["severity"] == "sev2"
    assert pm["incidents"] == ["opsgenie:8d1c7b52-1f0e-4a4e-9b7a-1c2d3e4f5a6b"]
    # "change" is mentioned, but the Category line states capacity.
    assert pm["root_cause"] == "capacity"
    assert list(pm["sections"]) == [
        "resumo", "linha_do_tempo", "impacto", "deteccao", "causa_raiz",
        "o_que_funcionou", "o_que_faltou", "acoes_corretivas", "anexos",
    ]  # fmt: skip
    assert pm["actions"] == [
        {"id": "AC-1", "action": "Add pool saturation alert", "owner": "@dave",
         "due_date": "2026-01-20", "status": "Done", "completed_on": "2026-01-19",
         "must_fix": None, "line": 28},
    ]  # fmt: skip


def test_several_incidents_in_one_postmortem(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.md",
        """\
---
incidents: ["pagerduty:Q1ABC2DEF", "opsgenie:3a74524a-0d2c-4d5e-8f9a-0b1c2d3e4f5a", \
"https://acme.eu.pagerduty.com/incidents/Q7XYZ"]
---
# Postmortem — INC-20260301-1 (Sev2)
""",
    )
    write(
        tmp_path,
        "b.md",
        """\
# Postmortem — INC-20260302-1 (Sev2)

Primary: https://acme.pagerduty.com/incidents/Q3AAA and pagerduty:Q4BBB.
Duplicate of https://acme.pagerduty.com/incidents/Q3AAA, also paged via
https://acme.app.opsgenie.com/incident/detail/11111111-2222-3333-4444-555555555555.

## Causa-raiz
Sem categoria definida.
""",
    )
    (a, b), errors = read_postmortems(tmp_path)
    assert errors == []
    assert a["incidents"] == [
        "pagerduty:Q1ABC2DEF",
        "opsgenie:3a74524a-0d2c-4d5e-8f9a-0b1c2d3e4f5a",
        "pagerduty:Q7XYZ",  # a URL in the list is written as source:id
    ]
    assert a["root_cause"] is None
    assert b["incidents"] == [
        "pagerduty:Q3AAA",
        "pagerduty:Q4BBB",
        "opsgenie:11111111-2222-3333-4444-555555555555",
    ]
    assert b["root_cause"] is None


INTERFACES_EXAMPLE = """\
---
incidents: ["pagerduty:Q1ABC2DEF", "opsgenie:3a74524a-..."]
severity: sev2
root_cause: capacity
published_at: 2026-03-02T14:00:00-03:00
release: "checkout-api-prod@9f3c2a1"     # optional explicit release link: app@revision
---
# Postmortem — INC-20260301-1 (Sev2)
...
## Ações corretivas (SMART)
| ID | Ação | Owner | Prazo | Status | Concluída em | Must-fix |
|----|------|-------|-------|--------|--------------|----------|
| AC-01 | Ajustar retry/timeout no BFF | @alice | 2026-03-10 | Concluída | 2026-03-09 | sim |
| AC-02 | Alerta de pool saturado | @bob | 2026-03-20 | Em curso | | não |
"""


def test_the_interfaces_example_reads_exactly(tmp_path: Path) -> None:
    path = write(tmp_path, "2026/INC-20260301-1.md", INTERFACES_EXAMPLE)
    postmortems, errors = read_postmortems(tmp_path)
    assert errors == []
    assert postmortems == [{
        "id": "2026/INC-20260301-1.md",
        "title": "Postmortem — INC-20260301-1 (Sev2)",
        "reference": "INC-20260301-1",
        "incidents": ["pagerduty:Q1ABC2DEF", "opsgenie:3a74524a-..."],
        "severity": "sev2",
        "root_cause": "capacity",
        "published_at": "2026-03-02T14:00:00-03:00",
        "published_at_source": "front_matter",
        "release": "checkout-api-prod@9f3c2a1",
        "has_front_matter": True,
        "sections": {
            "preamble": "...",
            "acoes_corretivas": "\n".join(INTERFACES_EXAMPLE.splitlines()[10:]),
        },
        "actions": [
            {"id": "AC-01", "action": "Ajustar retry/timeout no BFF", "owner": "@alice",
             "due_date": "2026-03-10", "status": "Concluída", "completed_on": "2026-03-09",
             "must_fix": "sim", "line": 13},
            {"id": "AC-02", "action": "Alerta de pool saturado", "owner": "@bob",
             "due_date": "2026-03-20", "status": "Em curso", "completed_on": None,
             "must_fix": "não", "line": 14},
        ],
        "content_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }]  # fmt: skip
    json.dumps(postmortems)  # lands as JSON as it is


def test_bad_table_row_names_its_line_and_the_other_rows_load(tmp_path: Path) -> None:
    write(
        tmp_path,
        "x.md",
        """\
# Postmortem — INC-20260301-5 (Sev2)
pagerduty:Q5EEE

## Ações corretivas (SMART)
| ID | Ação | Owner | Prazo | Status | Concluída em | Must-fix |
|----|------|-------|-------|--------|--------------|----------|
| AC-01 | Ajustar retry | @alice | 2026-03-10 | Concluída | 2026-03-09 | sim |
| AC-02 | Alerta | pool saturado | @bob | 2026-03-20 | Aberta | | não |
| AC-03 | Runbook do BFF | @carol | 2026-03-25 | Aberta | | não |
""",
    )
    [pm], errors = read_postmortems(tmp_path)
    assert [(a["id"], a["line"]) for a in pm["actions"]] == [("AC-01", 7), ("AC-03", 9)]
    assert errors == [
        ReadError("x.md", 8, "this actions table row has 8 cells, expected 7 as in the header "
                  "on line 5; the row was not loaded (write a '|' inside a cell as '\\|')"),
    ]  # fmt: skip


def test_non_utf8_file_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "latin1.md").write_bytes(
        "# Postmortem - INC-20260301-6 (Sev2)\n\n## Ações corretivas\n".encode("cp1252")
    )
    write(tmp_path, "ok.md", INTERFACES_EXAMPLE)
    postmortems, errors = read_postmortems(tmp_path)
    assert [pm["id"] for pm in postmortems] == ["ok.md"]
    # "ç" on line 3 is 0xe7 in cp1252, not UTF-8.
    assert errors == [
        ReadError("latin1.md", 3, "is not valid UTF-8 (byte 0xe7 on line 3); save the file as "
                  "UTF-8; the file was skipped"),
    ]  # fmt: skip


def test_a_file_without_any_heading_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "notes.md", "just some notes about pagerduty:Q1ABC2DEF\n")
    postmortems, [error] = read_postmortems(tmp_path)
    assert postmortems == []
    assert (error.path, error.line) == ("notes.md", None)
    assert error.reason.startswith("has no Markdown heading")


def test_templates_and_other_files_are_skipped(tmp_path: Path) -> None:
    for name in ("README.md", "_template.md", ".draft.md", "_drafts/a.md", ".git/x.md", "a.txt"):
        write(tmp_path, name, "not a postmortem")
    write(tmp_path, "b/z.md", INTERFACES_EXAMPLE)
    write(tmp_path, "a.MD", INTERFACES_EXAMPLE)
    postmortems, errors = read_postmortems(tmp_path)
    assert [pm["id"] for pm in postmortems] == ["a.MD", "b/z.md"]
    assert errors == []


def test_headings_in_code_blocks_are_text(tmp_path: Path) -> None:
    write(
        tmp_path,
        "x.md",
        """\
# Postmortem — INC-20260301-7 (Sev4)
opsgenie:abc-1

## Anexos
```
# not a heading
| ID | Ação | Owner | Prazo | Status |
```
""",
    )
    [pm], errors = read_postmortems(tmp_path)
    assert errors == []
    assert list(pm["sections"]) == ["preamble", "anexos"]
    assert pm["sections"]["anexos"].startswith("```\n# not a heading")
    assert pm["severity"] == "sev4"


def test_missing_folder_raises_naming_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"postmortems folder not found: .*nope"):
        read_postmortems(tmp_path / "nope")
