"""Saúde dos dados: sync runs, freshness per source, quarantined records with reasons
(``data_quality_issues``), Argo CD history gaps, incidents with bad timestamps, which sources
name the people they notify (docs/kpis.md §10), and the Opsgenie → JSM Operations continuity
(records left out, the pairs, the field spellings received). Not filtered by the sidebar: it
describes the whole snapshot."""

import streamlit as st

from opskpi.app.escaping import markdown_text
from opskpi.app.web import data
from opskpi.app.web.components import context, human, link_column, table

ctx = context()
tr = ctx.tr
st.caption(tr("health_caption"))

st.subheader(tr("freshness_title"))
fresh = data.plain_list(ctx.snapshot, "source_freshness", as_of=ctx.as_of)
if fresh.empty:
    st.info(tr("no_syncs"))
else:
    shown = human(fresh, ctx, last_success_local="when", last_fetched_local="when")
    shown["age_text"] = fresh["seconds_since_success"].map(tr.dur)
    shown["status_text"] = fresh["last_status"].map(
        lambda s: tr.word("run", s) if isinstance(s, str) else "—"
    )
    table(
        shown,
        {
            "source": tr("source"),
            "status_text": tr("last_status"),
            "last_success_local_text": tr("last_success"),
            "age_text": tr("age"),
            "failed_runs": tr("failed_runs"),
            "objects": tr("objects"),
            "last_fetched_local_text": tr("last_fetched"),
            "last_error": tr("last_error"),
        },
    )
    failed = fresh[fresh["last_status"] == "failed"]
    for row in failed.to_dict("records"):
        error = markdown_text(row["last_error"] or "?")
        st.error(tr("source_failing", source=markdown_text(row["source"]), error=error))

st.subheader(tr("runs_title"))
runs = data.plain_list(ctx.snapshot, "sync_runs", limit=50)
if runs.empty:
    st.info(tr("no_syncs"))
else:
    shown = human(runs, ctx, started_local="when", finished_local="when", duration="dur")
    shown["status_text"] = runs["status"].map(lambda s: tr.word("run", s))
    table(
        shown,
        {
            "run_id": tr("run"),
            "source": tr("source"),
            "status_text": tr("status"),
            "started_local_text": tr("started"),
            "duration_text": tr("duration"),
            "records": tr("records"),
            "error": tr("error"),
        },
    )

st.subheader(tr("rejects_title"))
rejected = data.plain_list(ctx.snapshot, "rejected_records")
if rejected.empty:
    st.success(tr("no_rejects"))
else:
    st.caption(
        tr(
            "rejects_caption",
            retrying=int(rejected["retrying"].sum()),
            quarantined=int(rejected["quarantined"].sum()),
            runs=ctx.settings.model.sync.reject_retries + 1,
        )
    )
    for row in rejected.to_dict("records"):
        st.caption(
            f"{markdown_text(row['source'])} · {markdown_text(row['object_type'])}: "
            f"{tr('retrying')} {int(row['retrying'])} · {tr('quarantined')} "
            f"{int(row['quarantined'])} · {tr('max_attempts')} {int(row['max_attempts'])}"
        )

st.subheader(tr("issues_title"))
issues = data.plain_list(ctx.snapshot, "data_quality_issues")
if issues.empty:
    st.success(tr("no_issues"))
else:
    st.caption(tr("issues_caption", n=len(issues)))
    # the reason in the UI's language; the SQL's own wording stays in the data (hidden)
    table(
        issues.assign(problem_text=issues["problem"].map(tr.reason)),
        {
            "entity": tr("entity"),
            "object_key": tr("object"),
            "field": tr("field"),
            "problem_text": tr("problem"),
            "detail": tr("detail"),
        },
        hidden=("problem",),
    )

st.subheader(tr("gaps_title"))
gaps = data.plain_list(ctx.snapshot, "history_gaps")
if gaps.empty:
    st.success(tr("no_gaps"))
else:
    table(
        human(gaps, ctx, gap_starts_after_local="when", gap_ends_before_local="when"),
        {
            "app": tr("app"),
            "last_seen_id": tr("last_seen"),
            "next_seen_id": tr("next_seen"),
            "lost_deploys": tr("lost_deploys"),
            "gap_starts_after_local_text": tr("gap_after"),
            "gap_ends_before_local_text": tr("gap_before"),
        },
    )
    st.caption(tr("gaps_help"))

st.subheader(tr("bad_times_title"))
bad = data.plain_list(ctx.snapshot, "bad_timestamps")
if bad.empty:
    st.success(tr("no_bad_times"))
else:
    shown = human(bad, ctx, created_local="when", acknowledged_local="when", resolved_local="when")
    shown["reason"] = [
        ", ".join(
            tr(f"bad.{flag}")
            for flag in (
                "is_creation_missing",
                "is_ack_before_creation",
                "is_resolve_before_creation",
                "is_resolve_in_future",
            )
            if row[flag]
        )
        for row in bad.to_dict("records")
    ]
    shown["detail"] = [ctx.incident_link(k) for k in bad["incident_key"]]
    table(
        shown,
        {
            "incident_key": tr("incident"),
            "url": link_column(tr("source_link"), text=tr("open_source")),
            "detail": link_column(tr("detail"), text=tr("open_detail")),
            "reason": tr("problem"),
            "created_local_text": tr("created"),
            "acknowledged_local_text": tr("acknowledged_at"),
            "resolved_local_text": tr("resolved_at"),
            "created_at_raw": tr("raw_created"),
        },
    )
    st.caption(tr("bad_times_help"))

st.subheader(tr("sec_notifications"))
notified = data.plain_list(ctx.snapshot, "notification_coverage")
if not notified.empty:
    table(
        notified,
        {
            "source": tr("source"),
            "incidents": tr("incidents"),
            "incidents_notified": tr("incidents_notified"),
            "interruptions": tr("kpi.interruptions"),
            "notifications_without_incident": tr("notifications_without_incident"),
        },
    )
    for row in notified.to_dict("records"):
        if row["incidents"] and not row["incidents_notified"]:
            st.warning(
                tr("no_notifications_source", source=row["source"], incidents=row["incidents"])
            )
JSM_PAIRS_SHOWN = 200
continuity = data.plain_list(ctx.snapshot, "jsm_continuity")
pairs = data.plain_list(ctx.snapshot, "jsm_pairs", limit=JSM_PAIRS_SHOWN)
spellings = data.plain_list(ctx.snapshot, "jsm_field_spellings")
if not (continuity.empty and pairs.empty and spellings.empty):
    st.subheader(tr("jsm_title"))
    st.caption(tr("jsm_help"))
    if not continuity.empty:
        st.markdown(f"**{tr('jsm_left_out')}**")
        table(
            continuity,
            {
                "source": tr("source"),
                "reason": tr("reason"),
                "records": tr("records"),
                "with_twin": tr("with_twin"),
            },
        )
    if not pairs.empty:
        st.markdown(f"**{tr('jsm_pairs')}**")
        st.caption(tr("jsm_pairs_shown", n=len(pairs), total=int(pairs["total"].iloc[0])))
        table(
            human(pairs, ctx, opsgenie_created_local="when", jsm_created_local="when"),
            {
                "opsgenie_key": "Opsgenie",
                "jsm_key": "JSM",
                "matched_by": tr("matched_by"),
                "opsgenie_created_local_text": tr("opsgenie_created"),
                "jsm_created_local_text": tr("jsm_created"),
                "gap_seconds": tr("gap_seconds"),
                "counted_key": tr("counted_as"),
                "reason": tr("reason"),
            },
        )
    if not spellings.empty:
        st.markdown(f"**{tr('jsm_spellings')}**")
        table(
            spellings,
            {
                "object": tr("object"),
                "field": tr("field"),
                "spelling": tr("spelling"),
                "records": tr("records"),
            },
        )
