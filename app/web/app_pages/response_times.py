"""Tempos de resposta: per severity, the distribution of tta/ttr, weekly trends against the SLA
target, weekly compliance, and the slowest incidents with links."""

import streamlit as st

from opskpi.app.web import data, figures
from opskpi.app.web.components import EMPTY, context, empty, human, link_column, table
from opskpi.config.vocabulary import POOLED

ctx = context()
tr = ctx.tr
metric = (
    st.segmented_control(
        tr("measure"),
        ["tta", "ttr"],
        key="rt_metric",
        default="ttr",
        format_func=lambda m: tr(f"metric.{m}"),
    )
    or "ttr"
)
kind = "ack" if metric == "tta" else "resolve"
targets = {sev: t[kind] for sev, t in ctx.targets.items()}

# every incident of the period: the distribution is of all of them, not of a first few thousand
incidents = data.incidents(ctx.snapshot, ctx.period, ctx.filters, order_by=metric, limit=10_000_000)
times = data.kpi(ctx.snapshot, "response_times", ctx.period, ctx.filters)
weekly = data.kpi(ctx.snapshot, "response_times", ctx.period, ctx.filters, grain="week")

if incidents.empty:
    empty(ctx)
    st.stop()

st.subheader(tr("sec_per_severity"))
cols = st.columns(max(1, len(times) - 1))
for col, row in zip(
    cols, [r for r in times.to_dict("records") if r["severity"] != POOLED], strict=False
):
    target = targets.get(row["severity"])
    with col, st.container(border=True):
        st.metric(
            f"{row['severity']} · {tr(f'metric.{metric}')} {tr('mean')}",
            tr.dur(row[f"{metric}_mean"]),
        )
        st.caption(
            tr(
                "stats_caption",
                median=tr.dur(row[f"{metric}_median"]),
                p90=tr.dur(row[f"{metric}_p90"]),
                n=row[f"{metric}_n"],
            )
            + "  \n"
            + (
                tr(
                    "sla_line",
                    target=tr.dur(target),
                    share=tr.pct(row[f"{kind}_sla_compliance"]),
                    n=row[f"{kind}_sla_n"],
                )
                if target
                else tr("no_targets")
            )
        )

left, right = st.columns(2)
with left:
    st.plotly_chart(figures.response_distribution(incidents, metric, targets, tr), width="stretch")
with right:
    stat = st.radio(
        tr("statistic"),
        ["median", "mean", "p90"],
        horizontal=True,
        key="rt_stat",
        format_func=lambda s: tr(s),
    )
    st.plotly_chart(
        figures.weekly_trend(weekly, metric, stat, targets, tr, ctx.partial_weeks), width="stretch"
    )
st.plotly_chart(figures.weekly_compliance(weekly, kind, tr, ctx.partial_weeks), width="stretch")

st.subheader(tr("slowest", metric=tr(f"metric.{metric}")))
slowest = incidents[incidents[f"{metric}_seconds"].notna()].head(15)
slowest = human(slowest, ctx, **{metric: "dur", "created_local": "when"})
slowest["target_text"] = [
    tr.dur(targets.get(s)) if targets.get(s) else EMPTY for s in slowest["severity"]
]
slowest["detail"] = [ctx.incident_link(k) for k in slowest["incident_key"]]
table(
    slowest,
    {
        "incident_key": tr("incident"),
        "url": link_column(tr("source_link"), text=tr("open_source")),
        "detail": link_column(tr("detail"), text=tr("open_detail")),
        "title": tr("title"),
        "severity": tr("severity"),
        "service": tr("service"),
        "created_local_text": tr("created"),
        f"{metric}_text": tr(f"metric.{metric}"),
        "target_text": tr("target"),
    },
)
