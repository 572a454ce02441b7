"""Releases: the deploy timeline per Argo CD application with the period's incidents overlaid,
the incidents attributed to each deploy (explicit vs window), change failure rate, rollbacks and
failed syncs."""

import streamlit as st

from opskpi.app.web import data, figures
from opskpi.app.web.components import (
    context,
    empty,
    human,
    join_list,
    kpi_cards,
    link_column,
    table,
)
from opskpi.app.web.text import as_text

TIMELINE_SEVERITIES = ("sev1", "sev2")
ctx = context()
tr = ctx.tr
now = data.report(ctx.snapshot, ctx.period, ctx.filters)
before = data.report(ctx.snapshot, ctx.period.previous(), ctx.filters)
deploys = data.period_list(ctx.snapshot, "deploy_list", ctx.period, ctx.filters)
attributed = data.period_list(ctx.snapshot, "deploy_incidents", ctx.period, ctx.filters)
overlay = data.period_list(ctx.snapshot, "timeline_incidents", ctx.period, ctx.filters)
failures = data.period_list(ctx.snapshot, "deploy_failures", ctx.period, ctx.filters)

kpi_cards(("change_failure_rate", "release_caused", "deploys", "rollbacks"), now, before, ctx)

if ctx.filters.teams:  # say which deploys the team mapping cannot assign (docs/kpis.md)
    undecided = data.undecided_team_apps(ctx.snapshot, ctx.period, ctx.filters)
    lines = [
        tr(
            "team_shared_app",
            app=as_text(row["app"]),
            teams=", ".join(as_text(t) for t in row["teams"]),
            n=tr.num(row["deploys"]),
        )
        for row in undecided[undecided["mapping"] == "shared"].to_dict("records")
    ]
    unmapped = undecided[undecided["mapping"] == "none"]
    if not unmapped.empty:
        lines.append(
            tr(
                "team_unmapped_apps",
                apps=", ".join(as_text(a) for a in unmapped["app"]),
                n=tr.num(int(unmapped["deploys"].sum())),
            )
        )
    if lines:
        st.info("\n".join([tr("team_deploys_rule"), "", *(f"- {line}" for line in lines)]))

if deploys.empty and overlay.empty and failures.empty:
    empty(ctx)
    st.stop()
# the incidents that bear on releases: every sev1 and sev2, and any incident attributed to a
# deploy; the others (thousands a month on a large account) would bury the deploys. Said below.
drawn = overlay[overlay["severity"].isin(TIMELINE_SEVERITIES) | overlay["is_release_caused"]]
st.plotly_chart(figures.deploy_timeline(deploys, drawn, failures, tr), width="stretch")
left_out = overlay.loc[~overlay.index.isin(drawn.index), "incident_key"].nunique()
st.caption(tr("timeline_help"))
if left_out:
    st.caption(tr("timeline_left_out", n=tr.num(left_out)))

st.subheader(tr("attributed_title"))
if attributed.empty:
    st.success(tr("none_attributed"))
else:
    shown = human(attributed, ctx, deployed_local="when", created_local="when")
    shown["after_text"] = attributed["seconds_after_deploy"].map(tr.dur)
    shown["how"] = [
        " + ".join(w for w, on in ((tr("explicit"), e), (tr("window"), x)) if on)
        for e, x in zip(attributed["is_explicit"], attributed["is_window"], strict=True)
    ]
    shown["deploy"] = attributed["app"] + " @ " + attributed["revision"].str.slice(0, 10)
    shown["detail"] = [ctx.incident_link(k) for k in shown["incident_key"]]
    table(
        shown,
        {
            "deploy": tr("deploy"),
            "deployed_local_text": tr("deployed_at"),
            "incident_key": tr("incident"),
            "url": link_column(tr("source_link"), text=tr("open_source")),
            "detail": link_column(tr("detail"), text=tr("open_detail")),
            "severity": tr("severity"),
            "created_local_text": tr("created"),
            "after_text": tr("after_deploy"),
            "how": tr("attribution"),
        },
    )

st.subheader(tr("deploys_title"))
if deploys.empty:
    empty(ctx)
else:
    shown = human(deploys, ctx, deployed_local="when")
    shown["rollback_text"] = deploys["is_rollback"].map(lambda v: tr("yes") if v else tr("no"))
    shown["incidents_text"] = deploys["incident_keys"].map(join_list)
    shown["services_text"] = deploys["services"].map(join_list)
    table(
        shown,
        {
            "app": tr("app"),
            "revision": tr("revision"),
            "deployed_local_text": tr("deployed_at"),
            "initiated_by": tr("initiated_by"),
            "rollback_text": tr("kpi.rollbacks"),
            "services_text": tr("service"),
            "incidents_text": tr("attributed_incidents"),
        },
    )

st.subheader(tr("failures_title"))
if failures.empty:
    st.success(tr("none_failures"))
else:
    table(
        human(failures, ctx, started_local="when", finished_local="when"),
        {
            "app": tr("app"),
            "phase": tr("phase"),
            "started_local_text": tr("started"),
            "finished_local_text": tr("finished"),
            "revision": tr("revision"),
            "message": tr("message"),
        },
    )
    st.caption(tr("failures_help"))
