"""The one record every reader returns for content it could not (fully) use."""

from __future__ import annotations

from dataclasses import dataclass

# A reason is a sentence; a value quoted in it (a key, an item, a column name) is cut to this
# many characters, and a whole reason to MAX_REASON: a file's content never floods a message.
SHOWN = 60
MAX_REASON = 600


def shorten(value: object, limit: int = SHOWN) -> str:
    """``str(value)`` cut to ``limit`` characters (an ellipsis marks the cut), on one line."""
    text = value if isinstance(value, str) else _bounded_repr(value, limit)
    text = text.replace("\r", " ").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: object, limit: int = SHOWN) -> str:
    """``repr(value)`` cut short, for a value shown as written."""
    return shorten(value if not isinstance(value, str) else repr(value), limit)


def _bounded_repr(value: object, limit: int) -> str:
    """The start of ``repr(value)`` without building all of it: a deeply shared structure (a
    YAML alias bomb) has a repr of gigabytes."""
    if isinstance(value, list | tuple | dict | set):
        kind = type(value).__name__
        return f"<{kind} of {len(value)} item(s)>"
    text = repr(value)
    return text[: limit + 1]


@dataclass(frozen=True)
class ReadError:
    """A file, row or value that could not be read as written.

    ``reason`` is a sentence for the data-health view: what was wrong and what was
    expected. It also says whether the file was skipped or still loaded, since one
    record type covers both (an unknown front-matter key does not lose the postmortem).
    """

    path: str  # path relative to the folder given (posix)
    line: int | None  # 1-based line in the file, when known
    reason: str

    def __post_init__(self) -> None:
        if len(self.reason) > MAX_REASON:  # a safety net: readers already quote values short
            object.__setattr__(self, "reason", self.reason[: MAX_REASON - 1] + "…")

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"


class BrokenFile(Exception):
    """Internal: the file cannot be used at all; the reader turns it into a ReadError."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def decode_utf8(data: bytes) -> str:
    """UTF-8 text (a leading BOM dropped), or BrokenFile naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise BrokenFile(
            line, f"is not valid UTF-8 (byte 0x{bad} on line {line}); save the file as UTF-8"
        ) from None
