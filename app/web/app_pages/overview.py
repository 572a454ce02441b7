"""Visão geral: every headline KPI against its target, with the change from the previous period
of the same length, then the per-severity SLA table and the weekly incident count."""

import streamlit as st

from opskpi.app.catalogue import scope_label
from opskpi.app.web import data
from opskpi.app.web.components import EMPTY, context, kpi_cards
from opskpi.config.vocabulary import POOLED

# The cards of each section, in order (app/catalogue.py defines each KPI).
SECTIONS = (
    (
        "sec_response",
        (
            "incidents",
            "tta_mean",
            "ttr_mean",
            "breaching_open",
            "ack_sla",
            "resolve_sla",
            "paging_window",
            "escalation_rate",
        ),
    ),
    (
        "sec_followup",
        (
            "release_caused",
            "change_failure_rate",
            "runbook_coverage",
            "rollbacks",
            "rca_adherence",
            "overdue_must_fix",
            "overdue_actions",
            "postmortems_on_time",
        ),
    ),
)

ctx = context()
tr = ctx.tr
now = data.report(ctx.snapshot, ctx.period, ctx.filters)
before = data.report(ctx.snapshot, ctx.period.previous(), ctx.filters)

for title, keys in SECTIONS:
    st.subheader(tr(title))
    kpi_cards(keys, now, before, ctx)

st.subheader(tr("sec_per_severity"))
breaching = f"{tr('breaching_open')} {scope_label(tr, 'incidents', 'period')}"
rows = []
for row in now.response_times:
    target = ctx.targets.get(row.severity, {"ack": None, "resolve": None})
    is_pooled = row.severity == POOLED
    tta, ttr = row.tta_seconds, row.ttr_seconds
    rows.append(
        {
            tr("severity"): tr.severity(row.severity),
            tr("incidents"): tr.num(row.incidents),
            "MTTA": tr.dur(tta.mean),
            tr("median_p90"): f"{tr.dur(tta.median)} · {tr.dur(tta.p90)}",
            tr("ack_target"): tr.dur(target["ack"]) if target["ack"] else "—",
            tr("ack_sla"): (
                f"{tr.pct(row.ack_sla_compliance)} (n={row.ack_sla_n})"
                if target["ack"] or is_pooled
                else "—"
            ),
            "MTTR": tr.dur(ttr.mean),
            tr("median_p90") + " ": f"{tr.dur(ttr.median)} · {tr.dur(ttr.p90)}",
            tr("resolve_target"): tr.dur(target["resolve"]) if target["resolve"] else "—",
            tr("resolve_sla"): (
                f"{tr.pct(row.resolve_sla_compliance)} (n={row.resolve_sla_n})"
                if target["resolve"] or is_pooled
                else "—"
            ),
            breaching: "—" if row.breaching_open is None else tr.num(row.breaching_open),
        }
    )
# 13 columns: the severity stays in view when the table scrolls sideways in a narrow window
st.dataframe(
    rows,
    hide_index=True,
    width="stretch",
    placeholder=EMPTY,
    column_config={tr("severity"): st.column_config.Column(pinned=True)},
)

# a static SVG (hover: each bar's week and n), not Plotly: the first page loads no chart script
st.markdown(f"**{tr('incidents_per_week')}**")
st.markdown(
    data.incidents_chart_svg(ctx.snapshot, ctx.period, ctx.filters, ctx.timezone, tr.language),
    unsafe_allow_html=True,  # our own SVG (matplotlib's): its labels are escaped text
)
st.page_link("app_pages/incidents.py", label=tr("see_incidents"), icon=":material/arrow_forward:")
