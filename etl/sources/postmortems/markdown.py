"""Markdown structure: the title heading and the sections under it, with file line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .vocab import section_key, slug

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")

Line = tuple[int, str]  # (1-based line in the file, text)


@dataclass
class Section:
    key: str
    heading: str
    line: int
    lines: list[Line] = field(default_factory=list)

    def text(self) -> str:
        """The section's text as written, without the surrounding blank lines."""
        return "\n".join(text for _, text in self.lines).strip("\n")


@dataclass
class Document:
    title: str | None = None
    headings: int = 0
    sections: list[Section] = field(default_factory=list)

    def section_texts(self) -> dict[str, str]:
        """Section key → text; a key used twice gets both texts, blank-line separated."""
        texts: dict[str, str] = {}
        for section in self.sections:
            text = section.text()
            if section.key in texts:
                text = f"{texts[section.key]}\n\n{text}".strip("\n")
            if text or section.key != "preamble":
                texts[section.key] = text
        return texts

    def lines_of(self, key: str) -> list[Line]:
        return [line for section in self.sections if section.key == key for line in section.lines]


def fence_state(fence: str | None, text: str) -> tuple[str | None, bool]:
    """(the fence still open after this line, whether this line is code or a fence)."""
    opener = _FENCE.match(text)
    if fence is None:
        return (opener.group(1), True) if opener else (None, False)
    marker = opener.group(1) if opener else ""
    closes = marker[:1] == fence[0] and len(marker) >= len(fence)
    return (None if closes else fence), True


def parse(lines: list[str], first_line: int = 1) -> Document:
    """Split the body into sections.

    The first level-1 heading is the title. A section starts at every other heading of
    level 1 or 2, and at a deeper heading the template knows ("### Causa-raiz"); other
    deeper headings stay in the text of the section they are in. Headings inside fenced
    code blocks are text.
    """
    doc = Document()
    current = Section("preamble", "", first_line)
    doc.sections.append(current)
    fence: str | None = None
    for number, text in enumerate(lines, start=first_line):
        fence, is_code = fence_state(fence, text)
        heading = None if is_code else _HEADING.match(text)
        if heading is None:
            current.lines.append((number, text))
            continue
        doc.headings += 1
        level, title = len(heading.group(1)), (heading.group(2) or "").strip()
        if level == 1 and doc.title is None:
            doc.title = title
            continue
        key = section_key(title)
        if key is None and level > 2:
            current.lines.append((number, text))
            continue
        current = Section(key or slug(title), title, number)
        doc.sections.append(current)
    return doc
