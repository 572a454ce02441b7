"""Ações corretivas: overdue actions by owner, must-fix blockers, the RCA adherence trend, and
postmortems late or missing. Actions belong to a period by due date (as in kpis/rca.sql); the
scope switch shows every action instead, whatever its due date."""

import pandas as pd
import streamlit as st

from opskpi.app.catalogue import scope_label
from opskpi.app.web import data, figures
from opskpi.app.web.components import context, human, join_list, kpi_cards, link_column, table

ctx = context()
tr = ctx.tr
now = data.report(ctx.snapshot, ctx.period, ctx.filters)
before = data.report(ctx.snapshot, ctx.period.previous(), ctx.filters)
kpi_cards(
    ("rca_adherence", "overdue_actions", "overdue_must_fix", "postmortems_on_time"),
    now,
    before,
    ctx,
)

# ?scope=all (the weekly review's "full list" links) opens every action, whatever its due date
if "act_scope" not in st.session_state and st.query_params.get("scope") in ("period", "all"):
    st.session_state["act_scope"] = st.query_params["scope"]
scope = (
    st.segmented_control(
        tr("scope"),
        ["period", "all"],
        key="act_scope",
        default="period",
        format_func=lambda s: tr(f"scope.{s}"),
    )
    or "period"
)
in_period = scope == "period"
if scope == "all":
    st.query_params["scope"] = "all"
elif "scope" in st.query_params:
    del st.query_params["scope"]
due = {"due_since": ctx.period.since, "due_until": ctx.period.until} if in_period else {}
scope_text = scope_label(tr, "actions", "period" if in_period else "now")

st.subheader(f"{tr('overdue_by_owner')} {scope_text}")
owners = data.overdue_by_owner(
    ctx.snapshot, ctx.period if in_period else None, ctx.filters, ctx.as_of
)
if owners.empty:
    st.success(tr("none_overdue"))
else:
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(figures.overdue_by_owner(owners, tr, scope_text), width="stretch")
    with right:
        table(
            owners,
            {
                "owner": tr("owner"),
                "overdue_actions": f"{tr('kpi.overdue_actions')} {scope_text}",
                "overdue_must_fix": tr("must_fix"),
                "oldest_days_overdue": tr("oldest_days"),
            },
        )

action_columns = {
    "action_id": tr("action"),
    "title": tr("description"),
    "owner": tr("owner"),
    "due_date_text": tr("due"),
    "status_text": tr("status"),
    "days_overdue": tr("days_overdue"),
    "must_fix_text": tr("must_fix"),
    "postmortem_id": tr("postmortem"),
    "incidents_text": tr("incidents"),
}


def action_table(frame: pd.DataFrame) -> None:
    shown = human(frame, ctx, due_date="day")
    shown["status_text"] = frame["status"].map(lambda s: tr.word("status", s))
    shown["must_fix_text"] = frame["must_fix"].map(lambda v: tr("yes") if v else tr("no"))
    shown["incidents_text"] = frame["incident_keys"].map(join_list)
    table(shown, action_columns)


st.subheader(tr("blockers_title"))
blockers = data.actions(
    ctx.snapshot, ctx.as_of, ctx.filters, only_open=True, only_must_fix=True, **due
)
if blockers.empty:
    st.success(tr("none_blockers"))
else:
    st.caption(tr("blockers_help"))
    action_table(blockers)

with st.expander(tr("all_actions_title")):
    action_table(data.actions(ctx.snapshot, ctx.as_of, ctx.filters, include_cancelled=True, **due))

weekly = data.kpi(ctx.snapshot, "rca", ctx.period, ctx.filters, grain="week")
st.plotly_chart(figures.rca_trend(weekly, tr, ctx.partial_weeks), width="stretch")

st.subheader(tr("postmortems_title"))
problems = data.postmortem_status(ctx.snapshot, ctx.period, ctx.filters)
if problems.empty:
    st.success(tr("none_postmortem_problems"))
else:
    shown = human(problems, ctx, deadline_local="when", published_local="when")
    shown["status_text"] = problems["postmortem_status"].map(lambda s: tr.word("pm", s))
    shown["past_text"] = problems["seconds_past_deadline"].map(tr.dur)
    shown["detail"] = [ctx.incident_link(k) for k in problems["incident_key"]]
    table(
        shown,
        {
            "incident_key": tr("incident"),
            "url": link_column(tr("source_link"), text=tr("open_source")),
            "detail": link_column(tr("detail"), text=tr("open_detail")),
            "severity": tr("severity"),
            "service": tr("service"),
            "deadline_local_text": tr("deadline"),
            "status_text": tr("status"),
            "past_text": tr("past_deadline"),
            "published_local_text": tr("published"),
        },
    )
