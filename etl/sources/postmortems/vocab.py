"""Words the readers recognise, in pt-BR and English: headings, column names, root causes
(the last two from ``opskpi.config.vocabulary``).

Everything is compared after :func:`fold` (lower case, no accents, punctuation as single
spaces), so "Ações corretivas", "ACOES CORRETIVAS" and "acoes-corretivas" are one name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from opskpi.config.vocabulary import ACTION_COLUMNS, ROOT_CAUSE_BY_KEY, TAXONOMY_KEYS

# The taxonomy keys a postmortem is checked against unless the caller knows others.
DEFAULT_TAXONOMY: tuple[str, ...] = TAXONOMY_KEYS

SECTION_KEYS: dict[str, str] = {
    "resumo executivo": "resumo",
    "resumo": "resumo",
    "sumario executivo": "resumo",
    "executive summary": "resumo",
    "summary": "resumo",
    "linha do tempo": "linha_do_tempo",
    "cronologia": "linha_do_tempo",
    "timeline": "linha_do_tempo",
    "impacto": "impacto",
    "impact": "impacto",
    "deteccao": "deteccao",
    "detection": "deteccao",
    "causa raiz": "causa_raiz",
    "causas raiz": "causa_raiz",
    "root cause": "causa_raiz",
    "root causes": "causa_raiz",
    "root cause analysis": "causa_raiz",
    "o que funcionou o que faltou": "o_que_funcionou_o_que_faltou",
    "what went well what went wrong": "o_que_funcionou_o_que_faltou",
    "o que funcionou": "o_que_funcionou",
    "what went well": "o_que_funcionou",
    "o que faltou": "o_que_faltou",
    "what went wrong": "o_que_faltou",
    "acoes corretivas": "acoes_corretivas",
    "acoes corretivas smart": "acoes_corretivas",
    "corrective actions smart": "acoes_corretivas",
    "corrective actions": "acoes_corretivas",
    "action items": "acoes_corretivas",
    "anexos": "anexos",
    "attachments": "anexos",
    "appendix": "anexos",
}

# Column names of the corrective-actions table and CSV → field of the action dict.
COLUMN_FIELDS: dict[str, str] = {
    name: field for field, names in ACTION_COLUMNS.items() for name in names
}

_PUNCTUATION = re.compile(r"[^0-9a-z]+")
_PARENTHETICAL = re.compile(r"\([^)]*\)")
_NUMBERING = re.compile(r"^\s*\d+(?:\.\d+)*[.)]?\s+")


def fold(text: str) -> str:
    """'Ações corretivas (SMART)' → 'acoes corretivas smart'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_PUNCTUATION.sub(" ", plain.lower()).split())


def section_key(heading: str) -> str | None:
    """The normalised key of a known section heading, else None.

    Parentheticals ("(SMART)") and numbering ("3. ") are ignored; a bilingual heading
    such as "Causa-raiz / Root cause" is known when every half names the same section.
    """
    bare = _NUMBERING.sub("", _PARENTHETICAL.sub(" ", heading))
    key = SECTION_KEYS.get(fold(bare))
    if key is None and "/" in bare:
        keys = {SECTION_KEYS.get(fold(part)) for part in bare.split("/") if fold(part)}
        if len(keys) == 1:
            key = keys.pop()
    return key


def slug(heading: str) -> str:
    """Key for a heading the template does not know: 'Custos & SLAs' → 'custos_slas'."""
    return fold(heading).replace(" ", "_") or "section"


def taxonomy_terms(known_taxonomy: Sequence[str]) -> dict[str, str]:
    """Folded term → taxonomy key, for the keys in use: the key itself ('external dependency')
    and, for the vocabulary's keys, the words of its default label ('dependencia externa')."""
    terms: dict[str, str] = {}
    for key in known_taxonomy:
        terms[fold(key)] = key
        cause = ROOT_CAUSE_BY_KEY.get(key)
        for term in cause.words if cause else ():
            terms[term] = key
    return terms


def taxonomy_key(value: str, known_taxonomy: Sequence[str]) -> str | None:
    """The key a stated root cause means ('Capacidade', 'capacity' → 'capacity'), else None."""
    return taxonomy_terms(known_taxonomy).get(fold(value))


def map_columns(header: Sequence[str], fields: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    """Field → column index for a header row, and the header cells that map to nothing
    (unknown names, fields not wanted here, a second column for the same field)."""
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for index, name in enumerate(header):
        found = COLUMN_FIELDS.get(fold(name))
        if found is not None and found in fields and found not in columns:
            columns[found] = index
        else:
            unknown.append(name)
    return columns, unknown
