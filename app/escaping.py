"""Text from the sources (incident titles, services, owners, errors, postmortem fields) rendered
by opskpi is text, never markup: the one set of rules for every output (docs/operations.md,
"What the app exposes").

- :func:`markdown_text`: for Markdown (the app's ``st.markdown``/``st.info``…, the weekly
  review's Markdown): no link, image, raw HTML, code span, emphasis, math or autolink can come
  out of it, and it stays on one line.
- :func:`markdown_code`: a value shown as typed inside a Markdown code span (a stale URL
  value, an app name in a note), where the look of code suits it.
- :func:`safe_url`: a link target only if it is ``http(s)`` (or, where asked, relative to the
  app): never ``javascript:``, ``data:`` or anything a browser would run.
- :func:`plot_text`: for Plotly's labels and hover text, which read a subset of HTML (links,
  styles): escaped, so a title is shown as written.
- :func:`csv_cell` / :func:`csv_frame`: OWASP's rule against CSV (formula) injection: a text
  cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with
  ``'`` so a spreadsheet shows it instead of evaluating it.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

# CommonMark lets any ASCII punctuation be backslash-escaped. These start inline markup
# (emphasis, code, links and images, strikethrough, tables) or Streamlit's extras ($ math,
# :color[...] directives); '<', '>' and '&' become entities (raw HTML, autolinks, entities).
_BACKSLASHED = re.compile(r"([\\`*\[\]~|${}])")
# '_' opens emphasis only at a word boundary (CommonMark: never inside a word), so
# "America/Sao_Paulo" stays as written and "_x_" does not turn italic.
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# GFM autolinks bare www. and scheme:// text
_AUTOLINK = re.compile(r"(?i)(www)\.|(://)")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")

_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")


def markdown_text(value: Any) -> str:
    """``value`` as inline Markdown that renders exactly as the text it is, on one line."""
    text = _LINE_BREAKS.sub(" ", "" if value is None else str(value))
    text = "".join(_ENTITIES.get(char, char) for char in text)
    text = _BACKSLASHED.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    return _AUTOLINK.sub(lambda m: f"{m.group(1)}\\." if m.group(1) else ":\\/\\/", text)


def markdown_code(value: str) -> str:
    """``value`` as a Markdown code span, so it shows as typed: nothing inside a code span is
    markup (links, images, HTML, Streamlit's ``:icon:`` and ``:color[…]``). The fence is one
    backtick longer than any run of backticks in the value (CommonMark)."""
    flat = " ".join(value.split()) or " "
    longest, run = 0, 0
    for char in flat:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def safe_url(url: Any, *, relative: bool = False) -> str | None:
    """``url`` if a browser may follow it: an ``http(s)`` URL with a host, or (``relative``)
    a path or query inside the app; else None (show the text without a link)."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    if not text or any(ord(char) < 32 or ord(char) == 127 for char in text):
        return None
    parts = urlsplit(text)
    if parts.scheme:
        return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None
    path = re.split(r"[/?#]", text, maxsplit=1)[0]
    if relative and not text.startswith(("//", "\\")) and ":" not in path:
        return text
    return None


def plot_text(value: Any) -> str:
    """``value`` for a Plotly label or hover text: its HTML-like tags shown, not applied."""
    return html.escape("" if value is None else str(value), quote=False)


def csv_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would evaluate, made inert; anything else unchanged.

    A plain number written as text ("-5", "+1.5") is left as it is: it is a value, not a
    formula.
    """
    if not isinstance(value, str) or not value.startswith(_CSV_TRIGGERS):
        return value
    if _NUMBER.match(value):
        return value
    return "'" + value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are :func:`csv_cell`-safe."""
    out = frame.copy()
    for column in out.columns:
        if not (
            pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column])
        ):
            out[column] = out[column].map(csv_cell)
    out.columns = [csv_cell(str(name)) for name in out.columns]
    return out
