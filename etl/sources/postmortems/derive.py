"""What a postmortem says without front matter: title fields, incident ids, root cause."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .vocab import fold, taxonomy_terms

_REFERENCE = re.compile(r"\bINC-\d{8}-\d+\b", re.IGNORECASE)
_SEVERITY = re.compile(r"\bsev(?:erity)?[\s-]*([0-9])\b", re.IGNORECASE)

_INCIDENT = re.compile(
    r"https?://[\w.-]+\.pagerduty\.com/incidents/(?P<pd>[A-Za-z0-9]+)"
    r"|https?://[\w.-]+\.opsgenie\.com/(?:incident|alert)/detail/(?P<og>[A-Za-z0-9][A-Za-z0-9-]*)"
    r"|https?://[\w.-]+\.atlassian\.net/jira/ops/alerts/(?P<jsm>[A-Za-z0-9][A-Za-z0-9-]*)"
    r"|(?<![\w.:/-])(?P<source>pagerduty|opsgenie|jsm):(?P<id>[A-Za-z0-9][A-Za-z0-9-]*)",
    re.IGNORECASE,
)

# Task-list items left unticked ("- [ ] Mudança") name causes that were ruled out.
_UNTICKED = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[ \]")
# A line that states the category ("**Categoria:** Capacidade") beats a passing mention.
_CATEGORY_LINE = re.compile(
    r"^(?:categoria|category|classificacao|classification|taxonomia|taxonomy)\b"
)


def title_fields(title: str | None) -> tuple[str | None, str | None]:
    """('INC-20260301-1', 'sev2') from '# Postmortem — INC-20260301-1 (Sev2)'; None where absent."""
    if not title:
        return None, None
    reference = _REFERENCE.search(title)
    severity = _SEVERITY.search(title)
    return (
        reference.group(0) if reference else None,
        f"sev{severity.group(1)}" if severity else None,
    )


def _as_ref(match: re.Match[str]) -> str:
    if match.group("pd"):
        return f"pagerduty:{match.group('pd')}"
    if match.group("og"):
        return f"opsgenie:{match.group('og').rstrip('-')}"
    if match.group("jsm"):
        return f"jsm:{match.group('jsm').rstrip('-')}"
    return f"{match.group('source').lower()}:{match.group('id').rstrip('-')}"


def incident_refs(text: str) -> list[str]:
    """Every PagerDuty/Opsgenie/JSM incident named in the text, as 'source:id', first mention
    first (a JSM Operations alert: https://<site>.atlassian.net/jira/ops/alerts/<id>)."""
    refs: list[str] = []
    for match in _INCIDENT.finditer(text):
        ref = _as_ref(match)
        if ref not in refs:
            refs.append(ref)
    return refs


def incident_url_ref(value: str) -> str | None:
    """'pagerduty:Q1ABC' for a bare PagerDuty/Opsgenie/JSM incident URL, else None."""
    match = _INCIDENT.fullmatch(value.strip())
    return _as_ref(match) if match and not match.group("source") else None


def root_cause_in(text: str, known_taxonomy: Sequence[str]) -> str | None:
    """The taxonomy key the Causa-raiz text names: on a 'Categoria:' line if there is one,
    else the first one mentioned; None when it names none."""
    terms = taxonomy_terms(known_taxonomy)
    if not terms:
        return None
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    pattern = re.compile(rf"(?<![0-9a-z])({alternatives})s?(?![0-9a-z])")
    lines = [fold(line) for line in text.split("\n") if not _UNTICKED.match(line)]
    stated = [line for line in lines if _CATEGORY_LINE.match(line)]
    for candidates in (stated, lines):
        match = pattern.search("\n".join(candidates))
        if match:
            return terms[match.group(1)]
    return None
