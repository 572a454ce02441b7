"""A folder of Markdown postmortems → one plain dict per file, values as written."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from opskpi.config.model import DEFAULT_MAX_FILE_SIZE

from . import frontmatter, markdown
from .derive import incident_refs, root_cause_in, title_fields
from .errors import BrokenFile, ReadError, decode_utf8, shorten
from .files import read_bounded
from .gitdates import PublicationDates
from .tables import actions_from
from .vocab import DEFAULT_TAXONOMY

_TITLE_EXAMPLE = "'# Postmortem — INC-20260301-1 (Sev2)'"


def read_postmortems(
    folder: Path,
    *,
    known_taxonomy: Sequence[str] = DEFAULT_TAXONOMY,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
) -> tuple[list[dict[str, Any]], list[ReadError]]:
    """Every postmortem under ``folder`` (``*.md``, recursively, sorted by path), and the
    problems found. A file that cannot be read is one ReadError and nothing else; the
    others still load. Raises only when ``folder`` itself is missing.

    Skipped as templates: ``README.md`` and any file or folder whose name starts with
    ``_`` or ``.``. Skipped with a ReadError: a file over ``max_file_size`` bytes, a symbolic
    link leading out of the folder, anything that is not a regular file.
    """
    postmortems: list[dict[str, Any]] = []
    errors: list[ReadError] = []
    items = iter_postmortems(folder, known_taxonomy=known_taxonomy, max_file_size=max_file_size)
    for item in items:
        if isinstance(item, ReadError):
            errors.append(item)
        else:
            postmortems.append(item)
    return postmortems, errors


def iter_postmortems(
    folder: Path,
    *,
    known_taxonomy: Sequence[str] = DEFAULT_TAXONOMY,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
) -> Iterator[dict[str, Any] | ReadError]:
    """``read_postmortems`` one file at a time: each postmortem dict, then its warnings, or the
    ReadError of a file that was skipped. Lets a sync land tens of thousands of files in
    chunks instead of holding them all. Raises only when ``folder`` itself is missing.

    Each file is parsed on its own: whatever goes wrong in one (even a parser bug) is that
    file's ReadError, and the others still load."""
    folder = Path(folder)
    if not folder.exists():
        raise FileNotFoundError(f"postmortems folder not found: {folder}")
    if not folder.is_dir():
        raise NotADirectoryError(f"postmortems path is not a folder: {folder}")
    dates = PublicationDates(folder)
    root = folder.resolve()
    for path in _postmortem_files(folder):
        relative = path.relative_to(folder).as_posix()
        try:
            data = read_bounded(path, max_file_size, root=root)
            postmortem, warnings = _read_one(path, data, relative, dates, known_taxonomy)
        except BrokenFile as exc:
            yield ReadError(relative, exc.line, f"{exc.reason}; the file was skipped")
            continue
        except OSError as exc:
            reason = f"could not be read ({shorten(exc.strerror or exc)}); the file was skipped"
            yield ReadError(relative, None, reason)
            continue
        except (RecursionError, MemoryError):
            reason = "is nested too deeply to be parsed; the file was skipped"
            yield ReadError(relative, None, reason)
            continue
        except Exception as exc:  # a parser bug must cost one file, never the folder
            reason = f"could not be parsed ({type(exc).__name__}); the file was skipped"
            yield ReadError(relative, None, reason)
            continue
        yield postmortem
        yield from warnings


def _postmortem_files(folder: Path) -> Iterator[Path]:
    found: list[tuple[str, Path]] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if not name.startswith(("_", "."))]
        for name in files:
            if (
                name.lower().endswith(".md")
                and not name.startswith(("_", "."))
                and name.lower() != "readme.md"
            ):
                path = Path(root, name)
                found.append((path.relative_to(folder).as_posix(), path))
    return (path for _, path in sorted(found))


def _read_one(
    path: Path,
    data: bytes,
    relative: str,
    dates: PublicationDates,
    known_taxonomy: Sequence[str],
) -> tuple[dict[str, Any], list[ReadError]]:
    lines = decode_utf8(data).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    stated, body_start, warnings = frontmatter.read(lines, relative, known_taxonomy)
    fields = stated or {}
    body = lines[body_start:]
    doc = markdown.parse(body, first_line=body_start + 1)
    if doc.headings == 0:
        raise BrokenFile(
            None,
            f"has no Markdown heading; expected a title such as "
            f"{_TITLE_EXAMPLE} followed by the template's '## ' sections",
        )
    if doc.title is None:
        reason = (
            f"has no level-1 title heading (expected {_TITLE_EXAMPLE}); reference and "
            "severity could not be read from it, the rest of the file was loaded"
        )
        warnings.append(ReadError(relative, None, reason))
    reference, title_severity = title_fields(doc.title)
    sections = doc.section_texts()

    incidents = fields["incidents"] if "incidents" in fields else incident_refs("\n".join(body))
    if not incidents and "incidents" not in fields:
        reason = (
            "names no PagerDuty, Opsgenie or JSM incident (expected an incident URL, a "
            "'pagerduty:<id>' / 'opsgenie:<id>' / 'jsm:<id>' token or front-matter "
            "'incidents'); "
            "the postmortem was loaded but is linked to no incident"
        )
        warnings.append(ReadError(relative, None, reason))

    if "published_at" in fields:
        published_at, published_source = fields["published_at"], "front_matter"
    else:
        published_at, published_source = dates.of(path)

    actions, action_errors = actions_from(doc.lines_of("acoes_corretivas"), relative)
    root_cause = fields.get("root_cause") or root_cause_in(
        sections.get("causa_raiz", ""), known_taxonomy
    )
    postmortem = {
        "id": relative,
        "title": doc.title,
        "reference": reference,
        "incidents": incidents,
        "severity": fields.get("severity") or title_severity,
        "root_cause": root_cause,
        "published_at": published_at,
        "published_at_source": published_source,
        "release": fields.get("release"),
        "has_front_matter": stated is not None,
        "sections": sections,
        "actions": actions,
        "content_sha256": hashlib.sha256(data).hexdigest(),
    }
    _check_storable(postmortem)
    return postmortem, sorted(warnings + action_errors, key=lambda error: error.line or 0)


def _check_storable(postmortem: dict[str, Any]) -> None:
    """BrokenFile unless the postmortem is JSON the warehouse can store: valid UTF-8 (a YAML
    escape such as ``"\\ud800"`` gives a lone surrogate, which no UTF-8 text can hold)."""
    try:
        json.dumps(postmortem, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BrokenFile(
            None,
            "holds an escape that is not valid Unicode (a lone surrogate such as \\ud800, "
            "in the front matter?)",
        ) from None
