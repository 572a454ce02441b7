"""Visão geral: every headline KPI against its target, with the change from the previous period
of the same length, then the per-severity SLA table and the weekly incident count."""

import streamlit as st
from opskpi.app.web import data, figures
from opskpi.app.web.components import card, context

ctx = context()
tr = ctx.tr
now = data.report(ctx.snapshot, ctx.period, ctx.filters)
before = data.report(ctx.snapshot, ctx.period.previous(), ctx.filters)
times = data.kpi(ctx.snapshot, "response_times", ctx.period, ctx.filters)
sla_n = {r["severity"]: r for r in times.to_dict("records")}


def all_row(report: dict) -> dict:
    return next(r for r in report["response_times"] if r["severity"] == "all")


def targets_text(kind: str) -> str:
    parts = [f"{sev} ≤ {tr.dur(t[kind])}" for sev, t in sorted(ctx.targets.items()) if t[kind]]
    return tr("targets", targets=" · ".join(parts)) if parts else tr("no_targets")


a, b = all_row(now), all_row(before)
tta, ttr = a["tta_seconds"], a["ttr_seconds"]
r, rp = now["releases"], before["releases"]
rb, rbp = now["runbooks"], before["runbooks"]
c, cp = now["rca"], before["rca"]
p, pp = now["paging"], before["paging"]

st.subheader(tr("sec_response"))
cols = iter(st.columns(4) + st.columns(4))
with next(cols):
    card(
        tr("kpi.incidents"),
        tr.num(a["incidents"]),
        delta=tr.delta_count(a["incidents"], b["incidents"]),
        lower_is_better=True,
        caption=tr("merged_apart", n=a["merged"]),
    )
with next(cols):
    card(
        "MTTA",
        tr.dur(tta["mean"]),
        delta=tr.delta_dur(tta["mean"], b["tta_seconds"]["mean"]),
        lower_is_better=True,
        caption=tr(
            "stats_caption", median=tr.dur(tta["median"]), p90=tr.dur(tta["p90"]), n=tta["n"]
        )
        + "  \n"
        + targets_text("ack"),
    )
with next(cols):
    card(
        "MTTR",
        tr.dur(ttr["mean"]),
        delta=tr.delta_dur(ttr["mean"], b["ttr_seconds"]["mean"]),
        lower_is_better=True,
        caption=tr(
            "stats_caption", median=tr.dur(ttr["median"]), p90=tr.dur(ttr["p90"]), n=ttr["n"]
        )
        + "  \n"
        + targets_text("resolve"),
    )
with next(cols):
    card(
        tr("kpi.breaching_open"),
        tr.num(a["breaching_open"]),
        delta=tr.delta_count(a["breaching_open"], b["breaching_open"]),
        lower_is_better=True,
        caption=tr("unacked_over_target", n=a["unacked_over_target"] or 0),
    )
with next(cols):
    card(
        tr("kpi.ack_sla"),
        tr.pct(a["ack_sla_compliance"]),
        delta=tr.delta_pp(a["ack_sla_compliance"], b["ack_sla_compliance"]),
        caption=tr("n_measured", n=sla_n["all"]["ack_sla_n"]) + "  \n" + targets_text("ack"),
    )
with next(cols):
    card(
        tr("kpi.resolve_sla"),
        tr.pct(a["resolve_sla_compliance"]),
        delta=tr.delta_pp(a["resolve_sla_compliance"], b["resolve_sla_compliance"]),
        caption=tr("n_measured", n=sla_n["all"]["resolve_sla_n"])
        + "  \n"
        + targets_text("resolve"),
    )
with next(cols):
    card(
        tr("kpi.paging_window"),
        tr.pct(p["acked_within_paging_window"]),
        delta=tr.delta_pp(p["acked_within_paging_window"], pp["acked_within_paging_window"]),
        caption=tr("n_measured", n=p["acknowledged"]),
    )
with next(cols):
    card(
        tr("kpi.escalation_rate"),
        tr.pct(p["escalation_rate"]),
        delta=tr.delta_pp(p["escalation_rate"], pp["escalation_rate"]),
        lower_is_better=True,
        caption=tr.ratio(p["escalated"], a["incidents"]),
    )

st.subheader(tr("sec_followup"))
cols = iter(st.columns(4) + st.columns(4))
with next(cols):
    card(
        tr("kpi.release_caused"),
        tr.pct(r["release_caused_share"]),
        delta=tr.delta_pp(r["release_caused_share"], rp["release_caused_share"]),
        lower_is_better=True,
        caption=tr(
            "release_n",
            part=r["release_caused"],
            whole=r["incidents"],
            explicit=r["explicit"],
            window=r["window"],
        ),
    )
with next(cols):
    card(
        tr("kpi.change_failure_rate"),
        tr.pct(r["change_failure_rate"]),
        delta=tr.delta_pp(r["change_failure_rate"], rp["change_failure_rate"]),
        lower_is_better=True,
        caption=tr("deploys_n", part=r["deploys_with_incident"], whole=r["deploys"]),
    )
with next(cols):
    card(
        tr("kpi.runbook_coverage"),
        tr.pct(rb["coverage"]),
        delta=tr.delta_pp(rb["coverage"], rbp["coverage"]),
        caption=tr.ratio(rb["with_runbook"], rb["incidents"]),
    )
with next(cols):
    card(
        tr("kpi.rollbacks"),
        tr.num(r["rollbacks"]),
        delta=tr.delta_count(r["rollbacks"], rp["rollbacks"]),
        lower_is_better=True,
    )
with next(cols):
    card(
        tr("kpi.rca_adherence"),
        tr.pct(c["rca_adherence"]),
        delta=tr.delta_pp(c["rca_adherence"], cp["rca_adherence"]),
        caption=tr.ratio(c["actions_on_time"], c["actions_due"]) + " · " + tr("rca_caption"),
    )
with next(cols):
    card(
        tr("kpi.overdue_must_fix"),
        tr.num(c["overdue_must_fix"]),
        delta=tr.delta_count(c["overdue_must_fix"], cp["overdue_must_fix"]),
        lower_is_better=True,
        caption=tr("must_fix_help"),
    )
with next(cols):
    card(
        tr("kpi.overdue_actions"),
        tr.num(c["overdue_actions"]),
        delta=tr.delta_count(c["overdue_actions"], cp["overdue_actions"]),
        lower_is_better=True,
    )
with next(cols):
    card(
        tr("kpi.postmortems_on_time"),
        tr.pct(c["postmortem_on_time_share"]),
        delta=tr.delta_pp(c["postmortem_on_time_share"], cp["postmortem_on_time_share"]),
        caption=tr.ratio(c["postmortems_on_time"], c["postmortems_due"]),
    )

st.subheader(tr("sec_per_severity"))
rows = []
for row in now["response_times"]:
    sev = row["severity"]
    target = ctx.targets.get(sev, {"ack": None, "resolve": None})
    counts = sla_n.get(sev, {})
    rows.append(
        {
            tr("severity"): tr.severity(sev),
            tr("incidents"): tr.num(row["incidents"]),
            "MTTA": tr.dur(row["tta_seconds"]["mean"]),
            tr("median_p90"): f"{tr.dur(row['tta_seconds']['median'])} · "
            f"{tr.dur(row['tta_seconds']['p90'])}",
            tr("ack_target"): tr.dur(target["ack"]) if target["ack"] else "—",
            tr("ack_sla"): (
                f"{tr.pct(row['ack_sla_compliance'])} (n={counts.get('ack_sla_n', 0)})"
                if target["ack"] or sev == "all"
                else "—"
            ),
            "MTTR": tr.dur(row["ttr_seconds"]["mean"]),
            tr("median_p90") + " ": f"{tr.dur(row['ttr_seconds']['median'])} · "
            f"{tr.dur(row['ttr_seconds']['p90'])}",
            tr("resolve_target"): tr.dur(target["resolve"]) if target["resolve"] else "—",
            tr("resolve_sla"): (
                f"{tr.pct(row['resolve_sla_compliance'])} (n={counts.get('resolve_sla_n', 0)})"
                if target["resolve"] or sev == "all"
                else "—"
            ),
            tr("breaching_open"): "—"
            if row["breaching_open"] is None
            else tr.num(row["breaching_open"]),
        }
    )
st.dataframe(rows, hide_index=True, width="stretch")

weekly = data.kpi(ctx.snapshot, "response_times", ctx.period, ctx.filters, grain="week")
st.plotly_chart(figures.weekly_incidents(weekly, tr), width="stretch")
st.page_link("app_pages/incidents.py", label=tr("see_incidents"), icon=":material/arrow_forward:")
