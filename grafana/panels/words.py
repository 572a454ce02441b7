"""The dashboards' words in the configured language (``[report] language``: pt-BR or English).

Panels are written in English; ``t()`` gives the text in the language the generator was asked
for (``with language("pt-BR"): ...``), from ``PT_BR`` below. A string without its pt-BR text
fails the generation (KeyError), so no panel can ship half translated. Template parts
(``$severity``, ``{{source}}``) are kept as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from opskpi.grafana.panels.words_pt import PT_BR

LANGUAGES = ("pt-BR", "en")
DEFAULT_LANGUAGE = "pt-BR"
_LANGUAGE: ContextVar[str] = ContextVar("opskpi_grafana_language", default=DEFAULT_LANGUAGE)


@contextmanager
def language(name: str) -> Iterator[None]:
    """Build dashboards in ``name`` inside the block."""
    if name not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {name!r}")
    token = _LANGUAGE.set(name)
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def current() -> str:
    return _LANGUAGE.get()


def t(english: str) -> str:
    """``english`` in the current language."""
    if not english or _LANGUAGE.get() == "en" or english.startswith("{{"):
        return english
    try:
        return PT_BR[english]
    except KeyError:
        raise KeyError(
            f"no pt-BR text for the dashboard string {english!r} (words_pt.py)"
        ) from None
