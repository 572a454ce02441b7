"""The KPI catalogue: one row per headline KPI (label, format, which way is better, where its
value and its n come from, which policy target it is held to). The app's KPI cards and the
weekly review's KPI table are generated from it, so a KPI is shown the same way everywhere.

A page or the review only chooses which KPIs it shows, in which order (``CATALOGUE[key]``).
Labels are ``kpi.<key>`` in ``app/i18n/strings.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from opskpi.app.i18n.translator import Translator
from opskpi.config.vocabulary import severity_rank
from opskpi.metrics.report import KpiReport, Stats, Value

Kind = Literal["count", "share", "duration", "mean"]
TargetKind = Literal["ack", "resolve"]
# What a count of open, breaching or overdue things covers (docs/kpis.md §9: "scope is always
# stated"): the incidents (or the actions due) of the app's period or of the review's week, or
# everything open now.
Scope = Literal["period", "week", "now"]
ScopeOf = Literal["incidents", "actions"]
# severity → {"ack": seconds or None, "resolve": seconds or None} (metrics.lists.policy_targets)
Targets = Mapping[str, Mapping[str, float | None]]
Text = Callable[[KpiReport, Translator], str]


def target_list(targets: Targets, kind: TargetKind, tr: Translator) -> str:
    """``sev1 ≤ 5 min · sev2 ≤ 15 min``: the policy's targets of ``kind``, '' when it has none."""
    return " · ".join(
        f"{severity} ≤ {tr.dur(seconds)}"
        for severity, target in sorted(targets.items(), key=lambda item: severity_rank(item[0]))
        if (seconds := target[kind])
    )


@dataclass(frozen=True)
class Card:
    """What ``app.web.components.card`` draws."""

    label: str
    value: str
    delta: str | None
    lower_is_better: bool
    neutral: bool
    caption: str | None


@dataclass(frozen=True)
class Kpi:
    key: str
    kind: Kind
    value: Callable[[KpiReport], Value]
    # the "n" of the number (review column, and the card's caption unless card_note replaces it)
    n: Text | None = None
    target: TargetKind | None = None
    lower_is_better: bool = False
    neutral: bool = False  # a change that is neither good nor bad (the number of deploys)
    card_label: str | None = None  # a shorter label key for cards
    card_note: Text | None = None  # the card's caption in place of n
    scope_of: ScopeOf | None = None  # a count whose label must say what it covers
    # how many the number is measured on (the n as a number): the weekly review's briefing
    # does not flag a change measured on fewer than ``[report] change_min_n``
    count: Callable[[KpiReport], int | None] | None = None

    def label(self, tr: Translator, scope: Scope = "period") -> str:
        """The KPI's name, with its scope where it has one: "Ações atrasadas (prazo no
        período)"."""
        name = tr(f"kpi.{self.key}")
        return f"{name} {scope_label(tr, self.scope_of, scope)}" if self.scope_of else name

    def shown(self, tr: Translator, report: KpiReport) -> str:
        value = self.value(report)
        if self.kind == "share":
            return tr.pct(value)
        if self.kind == "duration":
            return tr.dur(value)
        return tr.num(value)

    def change(self, tr: Translator, now: KpiReport, before: KpiReport) -> str | None:
        """From ``before`` to ``now``: percentage points, a duration, or a count."""
        current, previous = self.value(now), self.value(before)
        if self.kind == "share":
            return tr.delta_pp(current, previous)
        if self.kind == "duration":
            return tr.delta_dur(current, previous)
        if self.kind == "mean":
            return tr.delta_num(current, previous)
        return tr.delta_count(current, previous)

    def card(
        self,
        tr: Translator,
        now: KpiReport,
        before: KpiReport,
        targets: Targets,
        scope: Scope = "period",
    ) -> Card:
        note = self.card_note or self.n
        parts = [note(now, tr)] if note else []
        if self.target:
            listed = target_list(targets, self.target, tr)
            parts.append(tr("targets", targets=listed) if listed else tr("no_targets"))
        return Card(
            label=tr(self.card_label) if self.card_label else self.label(tr, scope),
            value=self.shown(tr, now),
            delta=self.change(tr, now, before),
            lower_is_better=self.lower_is_better,
            neutral=self.neutral,
            caption="  \n".join(parts) or None,
        )

    def review_row(
        self,
        tr: Translator,
        now: KpiReport,
        before: KpiReport,
        targets: Targets,
        scope: Scope = "week",
    ) -> tuple[str, str, str, str, str, str]:
        """KPI, this period, the one before, change, n, target ("—" where there is none)."""
        listed = target_list(targets, self.target, tr) if self.target else ""
        return (
            self.label(tr, scope),
            self.shown(tr, now),
            self.shown(tr, before),
            self.change(tr, now, before) or "—",
            self.n(now, tr) if self.n else "—",
            listed or "—",
        )


def scope_label(tr: Translator, scope_of: ScopeOf, scope: Scope) -> str:
    """``(incidentes do período)``, ``(prazo na semana)``, ``(todas em aberto agora)``…"""
    return tr(f"scope.{scope_of}.{scope}")


# -- the "n" of each KPI ---------------------------------------------------------------------------


def _measured(stats_of: Callable[[KpiReport], Stats]) -> Text:
    return lambda r, tr: tr("n_measured", n=stats_of(r).n)


def _stats_caption(stats_of: Callable[[KpiReport], Stats]) -> Text:
    def caption(report: KpiReport, tr: Translator) -> str:
        stats = stats_of(report)
        return tr("stats_caption", median=tr.dur(stats.median), p90=tr.dur(stats.p90), n=stats.n)

    return caption


def _tta(report: KpiReport) -> Stats:
    return report.pooled.tta_seconds


def _ttr(report: KpiReport) -> Stats:
    return report.pooled.ttr_seconds


def _release_n(report: KpiReport, tr: Translator) -> str:
    releases = report.releases
    return tr(
        "release_n",
        part=releases.release_caused,
        whole=releases.incidents,
        explicit=releases.explicit,
        window=releases.window,
    )


def _actions_ratio(report: KpiReport, tr: Translator) -> str:
    return tr.ratio(report.rca.actions_on_time, report.rca.actions_due)


# In the lambdas, r is the KpiReport and tr the Translator.
_KPIS: tuple[Kpi, ...] = (
    Kpi(
        "incidents",
        "count",
        lambda r: r.pooled.incidents,
        n=lambda r, tr: tr("merged_apart", n=r.pooled.merged),
        lower_is_better=True,
        count=lambda r: r.pooled.incidents,
    ),
    Kpi(
        "tta_mean",
        "duration",
        lambda r: _tta(r).mean,
        n=_measured(_tta),
        target="ack",
        lower_is_better=True,
        card_label="kpi.mtta",
        card_note=_stats_caption(_tta),
        count=lambda r: _tta(r).n,
    ),
    Kpi(
        "tta_median",
        "duration",
        lambda r: _tta(r).median,
        n=_measured(_tta),
        target="ack",
        count=lambda r: _tta(r).n,
    ),
    Kpi(
        "tta_p90",
        "duration",
        lambda r: _tta(r).p90,
        n=_measured(_tta),
        target="ack",
        count=lambda r: _tta(r).n,
    ),
    Kpi(
        "ttr_mean",
        "duration",
        lambda r: _ttr(r).mean,
        n=_measured(_ttr),
        target="resolve",
        lower_is_better=True,
        card_label="kpi.mttr",
        card_note=_stats_caption(_ttr),
        count=lambda r: _ttr(r).n,
    ),
    Kpi(
        "ttr_median",
        "duration",
        lambda r: _ttr(r).median,
        n=_measured(_ttr),
        target="resolve",
        count=lambda r: _ttr(r).n,
    ),
    Kpi(
        "ttr_p90",
        "duration",
        lambda r: _ttr(r).p90,
        n=_measured(_ttr),
        target="resolve",
        count=lambda r: _ttr(r).n,
    ),
    Kpi(
        "ack_sla",
        "share",
        lambda r: r.pooled.ack_sla_compliance,
        n=lambda r, tr: tr("n_measured", n=r.pooled.ack_sla_n),
        target="ack",
        count=lambda r: r.pooled.ack_sla_n,
    ),
    Kpi(
        "resolve_sla",
        "share",
        lambda r: r.pooled.resolve_sla_compliance,
        n=lambda r, tr: tr("n_measured", n=r.pooled.resolve_sla_n),
        target="resolve",
        count=lambda r: r.pooled.resolve_sla_n,
    ),
    Kpi(
        "breaching_open",
        "count",
        lambda r: r.pooled.breaching_open,
        lower_is_better=True,
        scope_of="incidents",
        card_note=lambda r, tr: tr("unacked_over_target", n=r.pooled.unacked_over_target or 0),
    ),
    Kpi(
        "release_caused",
        "share",
        lambda r: r.releases.release_caused_share,
        n=_release_n,
        lower_is_better=True,
        count=lambda r: r.releases.incidents,
    ),
    Kpi(
        "change_failure_rate",
        "share",
        lambda r: r.releases.change_failure_rate,
        n=lambda r, tr: tr(
            "deploys_n", part=r.releases.deploys_with_incident, whole=r.releases.deploys
        ),
        lower_is_better=True,
        count=lambda r: r.releases.deploys,
    ),
    Kpi("deploys", "count", lambda r: r.releases.deploys, neutral=True),
    Kpi("rollbacks", "count", lambda r: r.releases.rollbacks, lower_is_better=True),
    Kpi(
        "runbook_coverage",
        "share",
        lambda r: r.runbooks.coverage,
        n=lambda r, tr: tr.ratio(r.runbooks.with_runbook, r.runbooks.incidents),
        count=lambda r: r.runbooks.incidents,
    ),
    Kpi(
        "rca_adherence",
        "share",
        lambda r: r.rca.rca_adherence,
        n=_actions_ratio,
        card_note=lambda r, tr: _actions_ratio(r, tr) + " · " + tr("rca_caption"),
        count=lambda r: r.rca.actions_due,
    ),
    Kpi(
        "overdue_actions",
        "count",
        lambda r: r.rca.overdue_actions,
        lower_is_better=True,
        scope_of="actions",
    ),
    Kpi(
        "overdue_must_fix",
        "count",
        lambda r: r.rca.overdue_must_fix,
        lower_is_better=True,
        scope_of="actions",
        card_note=lambda r, tr: tr("must_fix_help"),
    ),
    Kpi(
        "postmortems_on_time",
        "share",
        lambda r: r.rca.postmortem_on_time_share,
        n=lambda r, tr: tr.ratio(r.rca.postmortems_on_time, r.rca.postmortems_due),
        count=lambda r: r.rca.postmortems_due,
    ),
    Kpi(
        "paging_window",
        "share",
        lambda r: r.paging.acked_within_paging_window,
        n=lambda r, tr: tr("n_measured", n=r.paging.acknowledged),
        count=lambda r: r.paging.acknowledged,
    ),
    Kpi(
        "escalation_rate",
        "share",
        lambda r: r.paging.escalation_rate,
        # incidents of the period, merged excluded: the rate's denominator
        n=lambda r, tr: tr.ratio(r.paging.escalated, r.pooled.incidents),
        lower_is_better=True,
        count=lambda r: r.pooled.incidents,
    ),
)

# On-call load and alert noise (docs/kpis.md §10, §11).
_ONCALL_KPIS: tuple[Kpi, ...] = (
    Kpi(
        "interruptions",
        "count",
        lambda r: r.oncall.interruptions,
        n=lambda r, tr: tr(
            "interruptions_n",
            business=r.oncall.business_hours,
            off=r.oncall.off_hours,
            sleep=r.oncall.sleep_hours,
        ),
        lower_is_better=True,
    ),
    Kpi(
        "sleep_hours_share",
        "share",
        lambda r: r.oncall.sleep_hours_share,
        n=lambda r, tr: tr.ratio(r.oncall.sleep_hours, r.oncall.interruptions),
        lower_is_better=True,
    ),
    Kpi(
        "people_interrupted",
        "count",
        lambda r: r.oncall.people,
        n=lambda r, tr: tr("people_n", most=r.oncall.max_per_person),
        neutral=True,
    ),
    Kpi(
        "resolved_unacknowledged_share",
        "share",
        lambda r: r.noise.resolved_unacknowledged_share,
        n=lambda r, tr: tr.ratio(r.noise.resolved_unacknowledged, r.noise.resolved),
        lower_is_better=True,
    ),
    Kpi(
        "flapping_share",
        "share",
        lambda r: r.noise.flapping_share,
        n=lambda r, tr: tr.ratio(r.noise.flapping, r.noise.incidents),
        lower_is_better=True,
    ),
    Kpi(
        "alerts_per_incident",
        "mean",
        lambda r: r.noise.alerts_per_incident,
        neutral=True,
    ),
)

CATALOGUE: Final[dict[str, Kpi]] = {kpi.key: kpi for kpi in (*_KPIS, *_ONCALL_KPIS)}
