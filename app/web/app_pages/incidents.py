"""Incidentes: a searchable, sortable list with links back to PagerDuty/Opsgenie, and one
incident's detail (timeline, postmortem, attributed deploy). ``?incident=<key>`` opens a detail
directly, ``?q=`` searches, ``?sort=`` orders; all three stay in the URL."""

import pandas as pd
import streamlit as st

from opskpi.app.escaping import markdown_text, safe_url
from opskpi.app.web import data
from opskpi.app.web.components import (
    EMPTY,
    context,
    empty,
    human,
    join_list,
    link_column,
    table,
)
from opskpi.app.web.state import shown as quotable
from opskpi.app.web.text import as_text
from opskpi.metrics.period import Filters

ctx = context()
tr = ctx.tr
qp = st.query_params
SORTS = ("created", "severity", "ttr", "tta")
LIMIT = 2000  # rows in the table
ALL_ROWS = 10_000_000


def seeded(key: str, param: str, default: str | None) -> None:
    if key not in st.session_state:
        st.session_state[key] = qp.get(param, default)


def mirror(param: str, value: str | None, default: str | None = None) -> None:
    if value and value != default:
        if qp.get(param) != value:
            qp[param] = value
    elif param in qp:
        del qp[param]


def sla_marks(ack_ok: object, resolve_ok: object) -> str:
    """ "ack ✓ · res ✗": each duration against its severity's target (blank: not measured)."""
    marks = []
    for label, ok in ((tr("ack_short"), ack_ok), (tr("resolve_short"), resolve_ok)):
        if ok is not None and ok is not pd.NA:
            marks.append(f"{label} {'✓' if bool(ok) else '✗'}")
    return " · ".join(marks) or EMPTY


seeded("inc_q", "q", "")
seeded("inc_sort", "sort", "created")
if st.session_state["inc_sort"] not in SORTS:
    st.session_state["inc_sort"] = "created"
left, right = st.columns([3, 1])
search = left.text_input(tr("search"), key="inc_q", placeholder=tr("search_hint"))
order = right.selectbox(tr("sort_by"), SORTS, key="inc_sort", format_func=lambda s: tr(f"sort.{s}"))
mirror("q", search.strip())
mirror("sort", order, "created")

everything = data.incidents(
    ctx.snapshot,
    ctx.period,
    ctx.filters,
    search=search,
    order_by=order,
    include_merged=True,
    limit=ALL_ROWS,
)
rows = everything.head(LIMIT)  # the table stops here; the caption says so, the CSV has all
if rows.empty:
    empty(ctx, "no_incidents_match")
else:
    shown = human(rows, ctx, created_local="when", tta="dur", ttr="dur")
    shown["ttr_text"] = [
        tr("open") if o else t for o, t in zip(rows["is_open"], shown["ttr_text"], strict=True)
    ]
    shown["cause_text"] = rows["root_cause"].map(ctx.cause)
    shown["sla_text"] = [
        sla_marks(a, r)
        for a, r in zip(
            rows["is_ack_within_target"].astype(object),
            rows["is_resolve_within_target"].astype(object),
            strict=True,
        )
    ]
    shown["merged_text"] = rows["merged_into"].fillna(EMPTY)
    shown["detail"] = [ctx.incident_link(k) for k in rows["incident_key"]]
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
            "tta_text": "TTA",
            "ttr_text": "TTR",
            "sla_text": "SLA",
            "cause_text": tr("root_cause"),
            "runbook_url": link_column(tr("runbook"), text=tr("open_runbook")),
            "release_key": tr("release"),
            "merged_text": tr("merged_into"),
        },
    )
    if len(everything) > len(rows):
        st.caption(tr("list_capped", n=tr.num(len(rows)), m=tr.num(len(everything))))
        st.download_button(
            tr("download_all_csv"),
            lambda: everything.drop(columns=["postmortem_ids"], errors="ignore").to_csv(
                index=False
            ),
            file_name="opskpi-incidents.csv",
            mime="text/csv",
            icon=":material/download:",
        )
    else:
        st.caption(tr("list_caption", n=len(rows)))

# -- one incident ---------------------------------------------------------------------------------
keys = rows["incident_key"].tolist()
wanted = qp.get("incident")
if wanted and wanted not in keys:
    keys.insert(0, wanted)
if "inc_detail" not in st.session_state and wanted:
    st.session_state["inc_detail"] = wanted
st.subheader(tr("detail_title"))
chosen = st.selectbox(
    tr("choose_incident"),
    keys,
    index=None,
    key="inc_detail",
    placeholder=tr("choose_incident_hint"),
)
mirror("incident", chosen)
if chosen:
    bundle = data.incident_detail(ctx.snapshot, chosen)
    if bundle is None:
        st.warning(tr("unknown_incident", key=as_text(quotable(chosen))))  # a stale link: say so
        st.stop()
    inc = bundle["incident"]
    source_name = {"pagerduty": "PagerDuty", "opsgenie": "Opsgenie", "jsm": "JSM"}.get(
        inc["source"], ""
    )
    # titles come from the source: text, never Markdown (no links, no remote images)
    st.markdown(f"#### {markdown_text(inc['incident_key'])} — {markdown_text(inc['title'] or '')}")
    if safe_url(inc["url"]):
        st.link_button(tr("open_in", source=source_name), inc["url"], icon=":material/open_in_new:")
    cols = st.columns(5)
    cols[0].metric(tr("severity"), inc["severity"])
    cols[1].metric(tr("status"), tr("open") if inc["is_open"] else tr("resolved"))
    for col, metric, kind in ((cols[2], "tta", "ack_target"), (cols[3], "ttr", "resolve_target")):
        target = inc[f"{kind}_seconds"]
        col.metric(
            metric.upper(),
            tr.dur(inc[f"{metric}_seconds"]),
            help=tr("target_is", target=tr.dur(target)) if target else tr("no_targets"),
        )
        if target:
            col.caption(tr("target_is", target=tr.dur(target)))
    # docs/kpis.md §1: escalations before the first acknowledgement (all of them if never acked)
    cols[4].metric(
        tr("escalations_before_ack" if inc["is_acknowledged"] else "escalations_never_acked"),
        inc["escalation_count"],
    )
    release = EMPTY
    if inc["release_key"]:
        how = " + ".join(
            w
            for w, on in (
                (tr("explicit"), inc["is_release_explicit"]),
                (tr("window"), inc["is_release_window"]),
            )
            if on
        )
        release = (
            f"{inc['release_app']} @ {inc['release_revision']} · "
            f"{tr.when(inc['release_deployed_local'])} ({how})"
        )
    facts = {
        tr("service"): inc["service"] or EMPTY,
        tr("team"): inc["team"] or EMPTY,
        tr("created"): tr.when(inc["created_local"]),
        tr("acknowledged_at"): tr.when(inc["acknowledged_local"]),
        tr("resolved_at"): tr.when(inc["resolved_local"]),
        tr("root_cause"): f"{ctx.cause(inc['root_cause'])}"
        + (f" ({inc['root_cause_source']})" if inc["root_cause_source"] else ""),
        tr("runbook"): inc["runbook_url"] or tr("none"),
        tr("release"): release,
        tr("postmortem"): join_list(inc["postmortem_ids"], tr("none")),
        tr("deadline"): tr.when(inc["postmortem_deadline_local"]),
        tr("published"): tr.when(inc["postmortem_published_local"]),
        tr("merged_into"): inc["merged_into"] or EMPTY,
    }
    st.dataframe(
        [{tr("field"): k, tr("value"): v} for k, v in facts.items()],
        hide_index=True,
        width="stretch",
        height=36 * (len(facts) + 1) + 2,
        placeholder=EMPTY,
    )
    st.markdown(f"**{tr('timeline')}**")
    timeline = human(bundle["timeline"], ctx, event_local="when", offset="dur")
    timeline["kind_text"] = bundle["timeline"]["kind"].map(lambda k: tr.word("event", k))
    timeline["offset_text"] = ["+" + t for t in timeline["offset_text"]]
    table(
        timeline,
        {
            "event_local_text": tr("when"),
            "offset_text": tr("since_trigger"),
            "kind_text": tr("event"),
            "actor": tr("actor"),
            "detail": tr("detail"),
        },
    )
    if not bundle["postmortems"].empty:
        st.markdown(f"**{tr('postmortem')}**")
        table(
            human(bundle["postmortems"], ctx, published_local="when"),
            {
                "postmortem_id": tr("postmortem"),
                "title": tr("title"),
                "root_cause": tr("root_cause"),
                "published_local_text": tr("published"),
                "release_ref": tr("release"),
            },
        )
    actions = data.actions(
        ctx.snapshot, ctx.as_of, Filters(), incident_key=chosen, include_cancelled=True
    )
    if not actions.empty:
        st.markdown(f"**{tr('actions_title')}**")
        shown = human(actions, ctx, due_date="day")
        shown["status_text"] = actions["status"].map(lambda s: tr.word("status", s))
        table(
            shown,
            {
                "action_id": tr("action"),
                "title": tr("description"),
                "owner": tr("owner"),
                "due_date_text": tr("due"),
                "status_text": tr("status"),
            },
        )
else:
    st.caption(tr("detail_hint"))
