"""The corrective-actions CSV → dicts of the cells as written; bad rows → ReadError."""

from __future__ import annotations

from pathlib import Path

import pytest

from opskpi.etl.sources.postmortems import ReadError, read_actions_csv

ENGLISH = """\
id,postmortem,incident,action,owner,due_date,status,completed_on,must_fix
AC-01,2026/INC-20260301-1.md,pagerduty:Q1ABC2DEF,Ajustar retry,@alice,2026-03-10,Done,2026-03-09,yes
AC-02,,opsgenie:3a74524a-0d2c,"Alerta de pool, saturado",@bob,2026-03-20,In progress,,no
"""


def test_english_header(tmp_path: Path) -> None:
    path = tmp_path / "actions.csv"
    path.write_text(ENGLISH, encoding="utf-8")
    actions, errors = read_actions_csv(path)
    assert errors == []
    assert actions == [
        {"id": "AC-01", "postmortem": "2026/INC-20260301-1.md", "incident": "pagerduty:Q1ABC2DEF",
         "action": "Ajustar retry", "owner": "@alice", "due_date": "2026-03-10",
         "status": "Done", "completed_on": "2026-03-09", "must_fix": "yes", "line": 2,
         "file": "actions.csv"},
        {"id": "AC-02", "postmortem": None, "incident": "opsgenie:3a74524a-0d2c",
         "action": "Alerta de pool, saturado", "owner": "@bob", "due_date": "2026-03-20",
         "status": "In progress", "completed_on": None, "must_fix": "no", "line": 3,
         "file": "actions.csv"},
    ]  # fmt: skip


# As a pt-BR spreadsheet exports it: BOM, ';', accents, other order and case, CRLF,
# a quoted cell over two lines.
PORTUGUESE = (
    "\ufeffINCIDENTE;ID;AÇÃO;Responsável;PRAZO;Status;Concluída em;Must-fix;Postmortem\r\n"
    'pagerduty:Q1ABC2DEF;AC-01;"Ajustar retry\r\ne timeout";@alice;10/03/2026;Concluída;'
    "09/03/2026;sim;\r\n"
    "\r\n"
    "pagerduty:Q1ABC2DEF;AC-02;Alerta de pool;@bob;20/03/2026;Em curso;;não;\r\n"
)


def test_portuguese_header_semicolons_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "acoes.csv"
    path.write_bytes(PORTUGUESE.encode("utf-8"))
    actions, errors = read_actions_csv(path)
    assert errors == []
    assert actions == [
        {"id": "AC-01", "postmortem": None, "incident": "pagerduty:Q1ABC2DEF",
         "action": "Ajustar retry\r\ne timeout", "owner": "@alice", "due_date": "10/03/2026",
         "status": "Concluída", "completed_on": "09/03/2026", "must_fix": "sim", "line": 2,
         "file": "acoes.csv"},
        {"id": "AC-02", "postmortem": None, "incident": "pagerduty:Q1ABC2DEF",
         "action": "Alerta de pool", "owner": "@bob", "due_date": "20/03/2026",
         "status": "Em curso", "completed_on": None, "must_fix": "não", "line": 5,
         "file": "acoes.csv"},
    ]  # fmt: skip


def test_accentless_header_names_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        "Id,Incidente,Acao,Responsavel,Prazo,Status,Concluida em,must_fix\n"
        "AC-9,opsgenie:x,Fazer,@eve,2026-04-01,Aberta,,nao\n",
        encoding="utf-8",
    )
    [action], errors = read_actions_csv(path)
    assert errors == []
    assert (action["action"], action["owner"], action["must_fix"]) == ("Fazer", "@eve", "nao")


def test_a_row_with_too_many_columns_is_reported_and_the_rest_load(tmp_path: Path) -> None:
    path = tmp_path / "actions.csv"
    path.write_text(
        ENGLISH + "AC-03,,pagerduty:Q2,Alerta de pool, saturado,@bob,2026-03-21,Open,,no\n"
        "AC-04,,pagerduty:Q2,Runbook,@carol,2026-03-22,Open,,no\n",
        encoding="utf-8",
    )
    actions, errors = read_actions_csv(path)
    assert [(a["id"], a["line"]) for a in actions] == [("AC-01", 2), ("AC-02", 3), ("AC-04", 5)]
    assert errors == [
        ReadError("actions.csv", 4, "this row has 10 cells, expected 9 as in the header; the row "
                  "was not loaded (quote a cell holding the separator)"),
    ]  # fmt: skip


def test_non_utf8_csv_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "actions.csv"
    path.write_bytes("id;ação;status\nAC-1;Revisão;Aberta\n".encode("cp1252"))
    assert read_actions_csv(path) == ([], [
        ReadError("actions.csv", 1, "is not valid UTF-8 (byte 0xe7 on line 1); save the file "
                  "as UTF-8; no action was loaded from it"),
    ])  # fmt: skip


def test_unknown_header_loads_nothing_and_says_what_was_expected(tmp_path: Path) -> None:
    path = tmp_path / "actions.csv"
    path.write_text("AC-01,Ajustar retry,@alice\n", encoding="utf-8")
    actions, [error] = read_actions_csv(path)
    assert actions == []
    assert (error.path, error.line) == ("actions.csv", 1)
    assert "names none of the known columns" in error.reason


def test_missing_columns_are_reported_but_rows_load(tmp_path: Path) -> None:
    path = tmp_path / "actions.csv"
    path.write_text("ID,Action,Ticket\nAC-01,Ajustar retry,JIRA-1\n", encoding="utf-8")
    [action], errors = read_actions_csv(path)
    assert action["id"] == "AC-01"
    assert action["status"] is None
    assert [e.line for e in errors] == [1, 1, 1]
    assert "no due_date, status column" in errors[0].reason
    assert "neither a postmortem nor an incident column" in errors[1].reason
    assert "'Ticket'" in errors[2].reason


def test_empty_csv(tmp_path: Path) -> None:
    path = tmp_path / "actions.csv"
    path.write_text("", encoding="utf-8")
    actions, [error] = read_actions_csv(path)
    assert actions == []
    assert error.reason.startswith("is empty; expected a header row")


def test_missing_csv_raises_naming_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"corrective-actions CSV not found: .*nope\.csv"):
        read_actions_csv(tmp_path / "nope.csv")
