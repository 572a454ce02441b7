"""The KPI catalogue (app/catalogue.py): one definition gives a KPI's card and its review row.
Reports written by hand (tests/report_builder.py); expected texts worked out here."""

from __future__ import annotations

from dataclasses import replace

import pytest
from report_builder import hand_report, response_row

from opskpi.app.catalogue import CATALOGUE, target_list
from opskpi.app.i18n.translator import Translator

PT, EN = Translator("pt-BR"), Translator("en")
# deliberately not in ladder order: the lists follow the ladder, not the mapping
TARGETS = {
    "sev3": {"ack": 3600.0, "resolve": 86400.0},
    "sev1": {"ack": 300.0, "resolve": 3600.0},
    "sev4": {"ack": None, "resolve": None},
}
NOW = hand_report()  # pooled tta mean 120 s, n 2; ack SLA 0.5 of 2; rollbacks 0
BEFORE = replace(
    NOW,
    response_times=(response_row("sev1", 3, 60.0), response_row("all", 3, 60.0)),
    rca=replace(NOW.rca, rca_adherence=0.75, actions_due=4, actions_on_time=3),
)


@pytest.mark.parametrize("tr", [PT, EN])
def test_every_kpi_has_a_label_in_both_languages(tr: Translator) -> None:
    for kpi in CATALOGUE.values():
        assert kpi.label(tr)
        if kpi.card_label:
            assert tr(kpi.card_label)


def test_targets_are_listed_in_the_ladder_order() -> None:
    assert target_list(TARGETS, "ack", PT) == "sev1 ≤ 5 min · sev3 ≤ 1 h 00 min"
    assert target_list({"sev4": {"ack": None, "resolve": None}}, "ack", PT) == ""


def test_mtta_card_has_median_p90_n_and_targets() -> None:
    card = CATALOGUE["tta_mean"].card(PT, NOW, BEFORE, TARGETS)
    assert card.label == "MTTA"
    assert card.value == "2 min"  # 120 s
    assert card.delta == "+1 min"  # 120 − 60 s
    assert card.lower_is_better
    assert card.caption == (
        "mediana 2 min · p90 2 min · n=2  \nalvos: sev1 ≤ 5 min · sev3 ≤ 1 h 00 min"
    )


def test_a_kpi_held_to_no_target_says_so_on_its_card() -> None:
    card = CATALOGUE["ack_sla"].card(EN, NOW, BEFORE, {})
    assert card.value == "50.0 %"
    assert card.delta == "±0.0 pp"  # 0.5 both periods
    assert card.caption == "n=2  \nno target in the policy"


def test_the_review_row_of_a_share_without_data() -> None:
    row = CATALOGUE["rca_adherence"].review_row(PT, NOW, BEFORE, TARGETS)
    # nothing due now (0/0): no adherence, so no change either
    assert row == ("Aderência RCA", "sem dados", "75,0 %", "—", "0/0", "—")


def test_the_card_note_replaces_n_on_cards_only() -> None:
    kpi = CATALOGUE["rca_adherence"]
    assert kpi.card(PT, BEFORE, NOW, TARGETS).caption == "3/4 · concluídas no prazo / vencidas"
    assert kpi.review_row(PT, BEFORE, NOW, TARGETS)[4] == "3/4"


def test_a_count_without_n_or_target() -> None:
    row = CATALOGUE["rollbacks"].review_row(EN, NOW, BEFORE, TARGETS)
    assert row == ("Rollbacks", "0", "0", "±0", "—", "—")
    card = CATALOGUE["rollbacks"].card(EN, NOW, BEFORE, TARGETS)
    assert card.caption is None
    assert CATALOGUE["deploys"].card(EN, NOW, BEFORE, TARGETS).neutral
