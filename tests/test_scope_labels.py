"""Every count of open, breaching or overdue things says its scope (docs/kpis.md §9): the
period's (app), the week's (review) or everything open now, in pt-BR and English."""

from __future__ import annotations

import pytest

from opskpi.app.catalogue import CATALOGUE
from opskpi.app.i18n.translator import Translator

PT, EN = Translator("pt-BR"), Translator("en")


@pytest.mark.parametrize(
    ("key", "scope", "pt", "en"),
    [
        (
            "breaching_open",
            "period",
            "Abertos violando SLA (incidentes do período)",
            "Open, breaching SLA (the period's incidents)",
        ),
        (
            "breaching_open",
            "week",
            "Abertos violando SLA (incidentes da semana)",
            "Open, breaching SLA (the week's incidents)",
        ),
        (
            "overdue_actions",
            "period",
            "Ações atrasadas (prazo no período)",
            "Overdue actions (due in the period)",
        ),
        (
            "overdue_must_fix",
            "week",
            "Must-fix atrasadas (prazo na semana)",
            "Overdue must-fix (due in the week)",
        ),
        (
            "overdue_actions",
            "now",
            "Ações atrasadas (todas em aberto agora)",
            "Overdue actions (everything open now)",
        ),
    ],
)
def test_scoped_labels(key: str, scope: str, pt: str, en: str) -> None:
    assert CATALOGUE[key].label(PT, scope) == pt  # type: ignore[arg-type]
    assert CATALOGUE[key].label(EN, scope) == en  # type: ignore[arg-type]


def test_only_counts_of_open_or_overdue_things_are_scoped() -> None:
    scoped = sorted(key for key, kpi in CATALOGUE.items() if kpi.scope_of)
    assert scoped == ["breaching_open", "overdue_actions", "overdue_must_fix"]
    assert CATALOGUE["rollbacks"].label(EN, "week") == "Rollbacks"
