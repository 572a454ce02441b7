"""The corrective-actions pipe table of a postmortem → action dicts, one per row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from opskpi.config.vocabulary import ACTION_TABLE_FIELDS

from .errors import ReadError, quoted
from .markdown import Line, fence_state
from .vocab import map_columns

FIELDS = ACTION_TABLE_FIELDS
REQUIRED = ("id", "action", "owner", "due_date", "status")
COLUMN_NAMES = "ID | Ação | Owner | Prazo | Status | Concluída em | Must-fix"

_DELIMITER_CELL = re.compile(r"^:?-+:?$")
_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")


@dataclass
class Table:
    header: list[str]
    line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def cells(text: str) -> list[str]:
    """'| a | b \\| c |' → ['a', 'b | c']: outer pipes optional, escaped pipes kept."""
    row = text.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SEPARATOR.split(row)]


def _is_delimiter(header: list[str], text: str) -> bool:
    row = cells(text)
    return len(row) == len(header) and all(_DELIMITER_CELL.match(cell) for cell in row)


def find_tables(lines: list[Line]) -> list[Table]:
    """Pipe tables outside code fences: a header row, a '---|---' row with as many cells,
    then the rows up to a blank line or a line without '|'."""
    tables: list[Table] = []
    fence: str | None = None
    index = 0
    while index < len(lines):
        number, text = lines[index]
        fence, is_code = fence_state(fence, text)
        index += 1
        if is_code or "|" not in text or index >= len(lines):
            continue
        header = cells(text)
        if not _is_delimiter(header, lines[index][1]):
            continue
        table = Table(header, number)
        index += 1
        while index < len(lines) and lines[index][1].strip() and "|" in lines[index][1]:
            table.rows.append((lines[index][0], cells(lines[index][1])))
            index += 1
        tables.append(table)
    return tables


def actions_from(lines: list[Line], path: str) -> tuple[list[dict[str, Any]], list[ReadError]]:
    """Action dicts (cells as written, '' → None, plus the row's file line) from every
    actions table in the lines of the Ações corretivas section."""
    actions: list[dict[str, Any]] = []
    errors: list[ReadError] = []

    def problem(line: int, reason: str) -> None:
        errors.append(ReadError(path, line, reason))

    expected = f"(expected {COLUMN_NAMES})"
    for table in find_tables(lines):
        columns, unknown = map_columns(table.header, FIELDS)
        if "id" not in columns and "action" not in columns:
            problem(
                table.line,
                f"this table under Ações corretivas has no ID or Ação/Action "
                f"column {expected}; its rows were not loaded",
            )
            continue
        missing = [name for name in REQUIRED if name not in columns]
        if missing:
            problem(
                table.line,
                f"the actions table has no {', '.join(missing)} column "
                f"{expected}; its rows were loaded with those fields empty",
            )
        if unknown:
            names = ", ".join(quoted(name) for name in unknown[:10])
            problem(
                table.line,
                f"the actions table column(s) {names} are not known {expected} and were ignored",
            )
        for number, row in table.rows:
            if len(row) != len(table.header):
                problem(
                    number,
                    f"this actions table row has {len(row)} cells, expected "
                    f"{len(table.header)} as in the header on line {table.line}; the row "
                    "was not loaded (write a '|' inside a cell as '\\|')",
                )
                continue
            if not any(row):
                continue
            action = {
                name: row[columns[name]] or None if name in columns else None for name in FIELDS
            }
            if action["id"] is None and "id" in columns:
                problem(
                    number,
                    "this actions table row has no ID (expected e.g. AC-01); it "
                    "was loaded with an empty id",
                )
            actions.append({**action, "line": number})
    return actions, errors
