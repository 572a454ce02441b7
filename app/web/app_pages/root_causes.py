"""Causas-raiz: taxonomy frequency over time and share, and the unclassified incidents listed so
they can be classified (in their postmortem, or the incident's field/tag)."""

import streamlit as st

from opskpi.app.web import data, figures
from opskpi.app.web.components import context, human, join_list, link_column, table
from opskpi.config.vocabulary import POOLED, UNCLASSIFIED

LIMIT = 1000  # rows in the table of unclassified incidents; the caption says when it stops
ctx = context()
tr = ctx.tr
period = data.kpi(ctx.snapshot, "root_causes", ctx.period, ctx.filters)
weekly = data.kpi(ctx.snapshot, "root_causes", ctx.period, ctx.filters, grain="week")
labels = {key: ctx.cause(key) for key in period["root_cause"]}
times = data.kpi(ctx.snapshot, "response_times", ctx.period, ctx.filters)
total = int(times.loc[times["severity"] == POOLED, "incidents"].iloc[0])

left, right = st.columns([2, 3])
with left:
    shown = period.assign(
        label=[labels[k] for k in period["root_cause"]],
        share_text=period["share"].map(tr.pct),
    )
    table(
        shown, {"label": tr("root_cause"), "incidents": tr("incidents"), "share_text": tr("share")}
    )
    st.caption(tr("causes_caption", n=total))
with right:
    st.plotly_chart(figures.root_cause_share(period, labels, tr), width="stretch")
st.plotly_chart(figures.root_cause_trend(weekly, labels, tr, ctx.partial_weeks), width="stretch")

st.subheader(tr("unclassified_title"))
st.caption(tr("unclassified_help"))
every_unclassified = data.incidents(
    ctx.snapshot, ctx.period, ctx.filters, root_cause=UNCLASSIFIED, limit=10_000_000
)
unclassified = every_unclassified.head(LIMIT)
if unclassified.empty:
    st.success(tr("none_unclassified"))
else:
    shown = human(unclassified, ctx, created_local="when")
    shown["detail"] = [ctx.incident_link(k) for k in shown["incident_key"]]
    shown["postmortem_text"] = shown["postmortem_ids"].map(join_list)
    table(
        shown,
        {
            "incident_key": tr("incident"),
            "url": link_column(tr("source_link"), text=tr("open_source")),
            "detail": link_column(tr("detail"), text=tr("open_detail")),
            "title": tr("title"),
            "severity": tr("severity"),
            "service": tr("service"),
            "team": tr("team"),
            "created_local_text": tr("created"),
            "postmortem_text": tr("postmortem"),
        },
    )
    if len(every_unclassified) > len(unclassified):
        st.caption(
            tr(
                "unclassified_capped",
                n=tr.num(len(unclassified)),
                m=tr.num(len(every_unclassified)),
            )
        )
