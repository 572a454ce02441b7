"""The words of the app and the report follow one glossary (app/i18n/strings.py GLOSSARY): no
Portuguese string uses a term the glossary replaces, except those pinned word for word by older
tests (listed, with the test, in GLOSSARY_PINNED)."""

from __future__ import annotations

import re

from opskpi.app.i18n.strings import GLOSSARY, GLOSSARY_PINNED, STRINGS


def test_portuguese_strings_use_the_glossary_terms() -> None:
    offenders = {
        key: word
        for key, (pt, _) in STRINGS.items()
        if key not in GLOSSARY_PINNED
        for _, _, avoided in GLOSSARY.values()
        for word in avoided
        if word in _words(pt) and not _quoted(_words(pt), word)
    }
    assert offenders == {}


def _words(text: str) -> str:
    """The text people read: placeholders ({target}) and `code` left out, lower case."""
    return re.sub(r"\{[^}]*\}|`[^`]*`", "", text).lower()


def _quoted(text: str, word: str) -> bool:
    """The avoided word only inside parentheses, as a gloss: "ação obrigatória (must-fix)"."""
    lower = text.lower()
    return all(
        lower.rfind("(", 0, i) > lower.rfind(")", 0, i)
        for i in range(len(lower))
        if lower.startswith(word, i)
    )


def test_pinned_keys_exist() -> None:
    assert set(GLOSSARY_PINNED) <= set(STRINGS)
