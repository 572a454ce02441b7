"""Revisão semanal: pick an ISO week; every KPI with its change from the week before, top
services, the incidents of the week, incidents without runbook, open and overdue actions. The
page shows the very document ``opskpi report`` writes (same function, same queries), with the
Markdown and HTML downloads. The sidebar filters apply; its period does not (the week does)."""

import shlex

import streamlit as st

from opskpi.app.review.document import to_html, to_markdown
from opskpi.app.web import data
from opskpi.app.web.components import context
from opskpi.app.web.sidebar import week_label_for, week_options
from opskpi.app.web.state import UrlProblem, previous_full_week, shown, valid_week
from opskpi.app.web.url_warnings import show as show_url_problems

ctx = context()
tr = ctx.tr
today = ctx.view.today(ctx.timezone, ctx.as_of)
default = (
    ctx.view.week if ctx.view.preset == "week" and ctx.view.week else previous_full_week(today)
)
if "review_week" not in st.session_state:
    asked = st.query_params.get("review_week")
    if asked and valid_week(asked) is None:  # a stale or edited link: say so, use the default
        show_url_problems(tr, [UrlProblem("review_week", shown(asked), "week")])
    st.session_state["review_week"] = valid_week(asked) or default
options = week_options(today, st.session_state["review_week"])
if st.session_state["review_week"] not in options:
    st.session_state["review_week"] = default
week = st.selectbox(
    tr("iso_week"), options, key="review_week", format_func=lambda w: week_label_for(tr, w)
)
if week != default or "review_week" in st.query_params:
    st.query_params["review_week"] = week

doc = data.weekly_review(ctx.snapshot, week, ctx.as_of, ctx.filters, tr.language)
markdown, html = to_markdown(doc), to_html(doc)
name = f"opskpi-review-{week}"
left, middle, right = st.columns([1, 1, 3])
left.download_button(
    tr("download_md"),
    markdown,
    file_name=f"{name}.md",
    mime="text/markdown",
    icon=":material/download:",
)
middle.download_button(
    tr("download_html"),
    html,
    file_name=f"{name}.html",
    mime="text/html",
    icon=":material/download:",
)
command = ["opskpi", "report", "--week", week, "--as-of", ctx.as_of.isoformat()]
for flag, values in (
    ("--severity", ctx.view.severities),
    ("--service", ctx.view.services),
    ("--team", ctx.view.teams),
    ("--source", ctx.view.sources),
):
    for value in values:
        command += [flag, value]
right.caption(tr("same_as_cli"))
right.code(shlex.join(command), language="bash")
st.divider()
st.markdown(markdown)
