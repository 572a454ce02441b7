"""YAML front matter: split it off, parse it with scalars kept as written, check the keys."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import yaml

from .derive import incident_url_ref
from .errors import BrokenFile, ReadError, quoted, shorten
from .vocab import taxonomy_key

KEYS = ("incidents", "severity", "root_cause", "published_at", "release")

_DELIMITER = re.compile(r"^---\s*$")
_END = re.compile(r"^(?:---|\.\.\.)\s*$")
_TYPED_TAGS = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
}
_INCIDENT_KEY = re.compile(r"^[a-z][a-z0-9_-]*:\S+$", re.IGNORECASE)
_RELEASE = re.compile(r"^\S+@\S+$")


# Front matter is a handful of flat keys: nesting deeper than this is not a postmortem.
MAX_DEPTH = 20


class _AsWrittenLoader(yaml.SafeLoader):
    """SafeLoader whose scalars stay the strings in the file: `published_at: 2026-03-02T14:00`
    is not turned into a datetime, `severity: 2` not into an int. Only null stays None.

    Anchors and aliases (``&a`` / ``*a``) are refused: front matter never needs them, and a few
    hundred bytes of nested aliases expand to gigabytes (a "billion laughs" bomb). Nesting is
    bounded too, so a file of brackets cannot exhaust the parser's recursion."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor is not None:
            raise yaml.composer.ComposerError(
                None,
                None,
                "YAML anchors and aliases (&name, *name) are not accepted in front matter",
                event.start_mark,
            )
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_AsWrittenLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _TYPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def split(lines: list[str]) -> tuple[list[str] | None, int]:
    """(front-matter lines or None, index of the first body line).

    Front matter opens with '---' on the very first line and closes with '---' or '...'.
    """
    if not lines or not _DELIMITER.match(lines[0]):
        return None, 0
    for index in range(1, len(lines)):
        if _END.match(lines[index]):
            return lines[1:index], index + 1
    raise BrokenFile(
        1, "front matter opened with '---' on line 1 is never closed; expected a closing '---' line"
    )


def _parse(text: str) -> tuple[dict[str, Any], dict[str, int], list[tuple[str, int]]]:
    """The mapping; per key, its 0-based line in ``text``; the keys written twice (YAML keeps
    the last value). Raises yaml.YAMLError."""
    loader = _AsWrittenLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}, []
        if not isinstance(node, yaml.MappingNode):
            raise BrokenFile(2, "front matter is not a mapping; expected `key: value` lines")
        lines: dict[str, int] = {}
        repeated: list[tuple[str, int]] = []
        for key_node, _ in node.value:
            key = str(key_node.value)
            if key in lines:
                repeated.append((key, key_node.start_mark.line))
            lines[key] = key_node.start_mark.line
        return loader.construct_document(node), lines, repeated
    finally:
        loader.dispose()


def read(
    lines: list[str], path: str, known_taxonomy: Sequence[str]
) -> tuple[dict[str, Any] | None, int, list[ReadError]]:
    """(known keys with usable values, or None without front matter; first body line index;
    warnings). Raises BrokenFile when the front matter is not usable at all."""
    block, body_start = split(lines)
    if block is None:
        return None, body_start, []
    try:
        data, key_lines, repeated = _parse("\n".join(block))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = shorten(getattr(exc, "problem", None) or str(exc), 200)
        raise BrokenFile(
            2 + mark.line if mark else 1,
            f"front matter is not valid YAML ({problem}); expected `key: value` lines "
            "between the two '---' lines",
        ) from None
    warnings = [
        ReadError(
            path,
            2 + line,
            f"front-matter key '{shorten(key)}' is written twice; the last value "
            "was used (expected each key once)",
        )
        for key, line in repeated
    ]

    def warn(key: str, reason: str) -> None:
        warnings.append(ReadError(path, 2 + key_lines.get(key, -1), reason))

    fields: dict[str, Any] = {}
    for key, value in data.items():
        if key not in KEYS:
            warn(
                key,
                f"unknown front-matter key '{shorten(key)}' was ignored (known keys: "
                f"{', '.join(KEYS)}); the rest of the file was loaded",
            )
        elif value is None or value == "":
            continue
        elif key == "incidents":
            refs = _incidents(value, lambda reason: warn("incidents", reason))
            if refs is not None:
                fields[key] = refs
        elif not isinstance(value, str):
            warn(
                key,
                f"front-matter '{key}' is a {type(value).__name__}, expected a single "
                f"value; it was ignored and '{key}' was read from the text instead",
            )
        else:
            fields[key] = value
            _check(key, value, known_taxonomy, warn)
    return fields, body_start, warnings


def _incidents(value: Any, warn: Callable[[str], None]) -> list[str] | None:
    """The 'source:id' list as written (incident URLs rewritten as 'source:id'), or None
    when nothing in it is usable, so that the incidents are read from the text instead."""
    items = [value] if isinstance(value, str) else value
    fallback = "; the incidents were read from the text instead"
    if not isinstance(items, list):
        warn(f"front-matter 'incidents' should be a list of 'source:id' strings{fallback}")
        return None
    if not items:
        warn("front-matter 'incidents' is an empty list; the postmortem is linked to no incident")
        return []
    refs: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            warn(
                f"front-matter 'incidents' item {quoted(item)} is not a 'source:id' string; ignored"
            )
            continue
        ref = incident_url_ref(item) or item.strip()
        if not _INCIDENT_KEY.match(ref):
            warn(
                f"front-matter 'incidents' item '{shorten(item)}' is not of the form 'source:id' "
                "(e.g. 'pagerduty:Q1ABC2DEF'); it was kept as written but will match no incident"
            )
        if ref not in refs:
            refs.append(ref)
    if not refs:
        warn(f"front-matter 'incidents' holds no usable item{fallback}")
        return None
    return refs


def _check(
    key: str, value: str, known_taxonomy: Sequence[str], warn: Callable[[str, str], None]
) -> None:
    """Warnings for values kept as written that later steps will not understand."""
    if key == "root_cause" and taxonomy_key(value, known_taxonomy) is None:
        warn(
            key,
            f"front-matter root_cause '{shorten(value)}' is not a taxonomy key "
            f"({', '.join(known_taxonomy)}); it was kept as written",
        )
    elif key == "published_at":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            warn(
                key,
                f"front-matter published_at '{shorten(value)}' is not an ISO-8601 date or time "
                "(e.g. 2026-03-02T14:00:00-03:00); it was kept as written",
            )
    elif key == "release" and not _RELEASE.match(value):
        warn(
            key,
            f"front-matter release '{shorten(value)}' is not of the form 'app@revision'; "
            "it was kept as written",
        )
