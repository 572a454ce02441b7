"""The words opskpi shares everywhere, defined once: severities and their order, the pooled row,
root-cause taxonomy keys with their default labels, source names, corrective-action statuses
and the columns of the corrective-actions table and CSV.

Python imports these names; the SQL reads them from the ``cfg_*`` tables that
``etl/warehouse/build.py`` writes from them (``cfg_severities``, ``cfg_taxonomy``,
``cfg_action_statuses``), so a query orders or validates by joining a table, never by a list
written into it. docs/architecture.md lists the tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

# -- severities ----------------------------------------------------------------------------------

# Most severe first: this order is the severity ladder of every table, chart, filter and label
# grid (SQL: cfg_severities.rank).
Severity = Literal["sev1", "sev2", "sev3", "sev4", "unknown"]
SEVERITIES: Final[tuple[Severity, ...]] = get_args(Severity)
UNKNOWN_SEVERITY: Final[Severity] = "unknown"
# The severities a policy gives targets and postmortem windows to ([policy.sevN]) and that a
# postmortem may state; "unknown" is what an incident gets when its source says nothing usable.
POLICY_SEVERITIES: Final[tuple[Severity, ...]] = tuple(
    s for s in SEVERITIES if s != UNKNOWN_SEVERITY
)
# The name of the row (and label value) that pools every severity.
POOLED: Final = "all"


def severity_rank(severity: str) -> int:
    """1 for sev1 … len(SEVERITIES) for unknown; anything else (the pooled row) after them."""
    if severity in SEVERITIES:
        return SEVERITIES.index(severity) + 1
    return len(SEVERITIES) + 1


# -- root-cause taxonomy (docs/kpis.md, root causes) ---------------------------------------------


@dataclass(frozen=True)
class RootCause:
    """A taxonomy key, its default labels, and the words a postmortem may use for it (compared
    folded: lower case, no accents, punctuation as spaces)."""

    key: str
    label: str  # the default pt-BR label ([taxonomy] labels overrides it)
    english: str  # the English label the app shows when the pt-BR label is the default
    words: tuple[str, ...]


ROOT_CAUSES: Final[tuple[RootCause, ...]] = (
    RootCause(
        "change", "Mudança (config, código, infra)", "Change (config, code, infra)", ("mudanca",)
    ),
    RootCause("capacity", "Capacidade", "Capacity", ("capacidade",)),
    RootCause(
        "external_dependency",
        "Dependência externa",
        "External dependency",
        ("dependencia externa",),
    ),
    RootCause("data", "Dados", "Data", ("dados",)),
    RootCause("security", "Segurança", "Security", ("seguranca",)),
    RootCause("process", "Processo", "Process", ("processo",)),
    RootCause("unclassified", "Não classificado", "Unclassified", ("nao classificado",)),
)
TAXONOMY_KEYS: Final[tuple[str, ...]] = tuple(cause.key for cause in ROOT_CAUSES)
DEFAULT_TAXONOMY_LABELS: Final[dict[str, str]] = {cause.key: cause.label for cause in ROOT_CAUSES}
ROOT_CAUSE_BY_KEY: Final[dict[str, RootCause]] = {cause.key: cause for cause in ROOT_CAUSES}
# What an incident without a stated or mapped root cause is counted under.
UNCLASSIFIED: Final = "unclassified"

# -- sources -------------------------------------------------------------------------------------

# Adding a source is one line here (and its connector): the exporter's label grid, the severity
# map table, the secrets scrubbed from errors and the configured-source list follow.
# Opsgenie before Jira Service Management Operations (its successor): `opskpi sync` lands the
# Opsgenie history first (docs/migration-opsgenie-to-jsm.md).
INCIDENT_SOURCES: Final[tuple[str, ...]] = ("pagerduty", "opsgenie", "jsm")
DEPLOY_SOURCES: Final[tuple[str, ...]] = ("argocd",)
# Sources reached over an API, configured under [sources.NAME] with a secret.
API_SOURCES: Final[tuple[str, ...]] = (*INCIDENT_SOURCES, *DEPLOY_SOURCES)
# Files read from disk: the postmortem folder and actions CSV ([postmortems]).
POSTMORTEMS: Final = "postmortems"
FILE_SOURCES: Final[tuple[str, ...]] = (POSTMORTEMS,)
# Every source `opskpi sync` runs, in its order (also the order of the exporter's sync series).
SYNC_SOURCES: Final[tuple[str, ...]] = (*API_SOURCES, *FILE_SOURCES)

# -- corrective actions --------------------------------------------------------------------------

ActionStatus = Literal["open", "in_progress", "done", "cancelled"]
ACTION_STATUSES: Final[tuple[ActionStatus, ...]] = get_args(ActionStatus)
# A status written in a way none of the spellings below matches.
UNKNOWN_ACTION_STATUS: Final = "unknown"
# Status → the spellings accepted for it, pt-BR and English, compared after lower case, accents
# stripped and outer spaces trimmed (SQL: cfg_action_statuses).
ACTION_STATUS_SPELLINGS: Final[dict[ActionStatus, tuple[str, ...]]] = {
    "open": ("aberta", "aberto", "open", "to do", "todo", "pendente"),
    "in_progress": ("em curso", "em andamento", "in progress", "in_progress", "doing", "ongoing"),
    "done": ("concluida", "concluido", "done", "completed", "complete", "closed", "fechada"),
    "cancelled": ("cancelada", "cancelado", "cancelled", "canceled"),
}

# The fields of a corrective action, in the CSV's column order, each with the header names
# accepted for it (folded: lower case, no accents, punctuation as spaces). The table of a
# postmortem has every column but the two that tie a CSV row to its postmortem or incident.
ACTION_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "id": ("id",),
    "postmortem": ("postmortem", "post mortem"),
    "incident": ("incidente", "incident"),
    "action": ("acao", "acoes", "acao corretiva", "action", "corrective action"),
    "owner": ("owner", "responsavel", "dono"),
    "due_date": ("prazo", "due", "due date"),
    "status": ("status", "situacao"),
    "completed_on": ("concluida em", "concluido em", "completed on"),
    "must_fix": ("must fix",),
}
ACTION_CSV_FIELDS: Final[tuple[str, ...]] = tuple(ACTION_COLUMNS)
ACTION_LINK_FIELDS: Final[tuple[str, ...]] = ("postmortem", "incident")
ACTION_TABLE_FIELDS: Final[tuple[str, ...]] = tuple(
    name for name in ACTION_CSV_FIELDS if name not in ACTION_LINK_FIELDS
)
