"""Corrective actions kept as a CSV (config `[postmortems] actions_csv`) → one dict per row."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from opskpi.config.model import DEFAULT_MAX_FILE_SIZE
from opskpi.config.vocabulary import ACTION_CSV_FIELDS

from .errors import BrokenFile, ReadError, decode_utf8, quoted, shorten
from .files import read_bounded
from .vocab import map_columns

FIELDS = ACTION_CSV_FIELDS
REQUIRED = ("id", "action", "due_date", "status")
HEADER_EXAMPLE = (
    f"{','.join(FIELDS)} (or ID;Postmortem;Incidente;Ação;Responsável;Prazo;Status;Concluída em;"
    "Must-fix)"
)


def _delimiter(text: str) -> str:
    """',' unless the header line has more ';' or tabs (spreadsheets in pt-BR write ';')."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


def read_actions_csv(
    path: Path, *, max_file_size: int = DEFAULT_MAX_FILE_SIZE
) -> tuple[list[dict[str, Any]], list[ReadError]]:
    """Every row of the actions CSV as a dict of the cells as written ('' → None), with its
    1-based ``line`` and the CSV's ``file`` name, and the problems found.

    The header may be English or Portuguese, in any order, any case, with or without
    accents; ``,``, ``;`` and tab separators are accepted. A row with the wrong number of
    cells is a ReadError naming its line; the other rows still load.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"corrective-actions CSV not found: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"corrective-actions CSV is a folder, expected a file: {path}")
    name = path.name
    try:
        text = decode_utf8(read_bounded(path, max_file_size))
    except BrokenFile as exc:
        return [], [ReadError(name, exc.line, f"{exc.reason}; no action was loaded from it")]
    except OSError as exc:
        return [], [ReadError(name, None, f"could not be read ({shorten(exc.strerror or exc)})")]

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    errors: list[ReadError] = []
    actions: list[dict[str, Any]] = []
    header: list[str] | None = None
    columns: dict[str, int] = {}
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = row
                columns, unknown = map_columns(header, FIELDS)
                errors.extend(_header_problems(name, line, columns, unknown))
                if not columns:
                    return [], errors
                continue
            if len(row) != len(header):
                reason = (
                    f"this row has {len(row)} cells, expected {len(header)} as in the "
                    "header; the row was not loaded (quote a cell holding the separator)"
                )
                errors.append(ReadError(name, line, reason))
                continue
            action = {
                field: row[columns[field]].strip() or None if field in columns else None
                for field in FIELDS
            }
            actions.append({**action, "line": line, "file": name})
    except csv.Error as exc:
        reason = (
            f"is not valid CSV here ({shorten(exc, 200)}); the rows from this line on were "
            "not loaded"
        )
        errors.append(ReadError(name, reader.line_num, reason))
    if header is None:
        errors.append(
            ReadError(name, 1, f"is empty; expected a header row such as {HEADER_EXAMPLE}")
        )
    return actions, errors


def _header_problems(
    name: str, line: int, columns: dict[str, int], unknown: list[str]
) -> list[ReadError]:
    if not columns:
        return [
            ReadError(
                name,
                line,
                (
                    f"the header row names none of the known columns; expected {HEADER_EXAMPLE}. "
                    "No action was loaded"
                ),
            )
        ]
    problems: list[ReadError] = []
    missing = [field for field in REQUIRED if field not in columns]
    if missing:
        problems.append(
            ReadError(
                name,
                line,
                (
                    f"the header has no {', '.join(missing)} column (expected {HEADER_EXAMPLE}); "
                    "the rows were loaded with those fields empty"
                ),
            )
        )
    if "postmortem" not in columns and "incident" not in columns:
        problems.append(
            ReadError(
                name,
                line,
                (
                    "the header has neither a postmortem nor an incident column, so the actions "
                    "cannot be tied to an incident; the rows were loaded"
                ),
            )
        )
    if unknown:
        names = ", ".join(quoted(c) for c in unknown[:10])
        problems.append(
            ReadError(
                name,
                line,
                f"the header column(s) {names} are not known (expected {HEADER_EXAMPLE}) "
                "and were ignored",
            )
        )
    return problems
