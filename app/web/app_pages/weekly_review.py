"""Revisão semanal: pick an ISO week; the briefing first (what needs a decision this week), then
every KPI with its change from the week before, top services, the incidents of the week,
incidents without runbook, open and overdue actions. The page shows the very document
``opskpi report`` writes (same function, same queries) with the Markdown and HTML downloads,
and its trend charts one click away. A capped list links the app page with the full list.
The sidebar filters apply; its period does not (the week does)."""

import shlex
from dataclasses import replace

import streamlit as st

from opskpi.app.escaping import markdown_text
from opskpi.app.review.context import ReviewOptions
from opskpi.app.review.document import Document, to_html, to_markdown
from opskpi.app.web import data, figures
from opskpi.app.web.components import context
from opskpi.app.web.sidebar import week_label_for, week_options
from opskpi.app.web.state import UrlProblem, previous_full_week, shown, valid_week
from opskpi.app.web.url_warnings import show as show_url_problems

PAGE_LIST_LIMIT = 50
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

review_options = ReviewOptions.from_settings(ctx.settings)
# the page shows the first PAGE_LIST_LIMIT rows of each detail list, each capped list linking
# the app's page that holds all of it (the file written by opskpi report keeps [report]
# list_limit): a page of thousands of Markdown rows takes the browser seconds to draw
review_options = replace(review_options, list_limit=min(review_options.list_limit, PAGE_LIST_LIMIT))
doc = data.weekly_review(ctx.snapshot, week, ctx.as_of, ctx.filters, tr.language, review_options)
markdown = to_markdown(doc)
# the briefing's one line first: what needs a decision this week, before any control
st.info(
    f"**{markdown_text(doc.briefing_title)}** · {markdown_text(doc.briefing_lead)}",
    icon=":material/priority_high:",
)
# the document, or its trend charts: one at a time, so opening the page does not draw (nor
# build, in Python) the charts nobody asked for yet
view = (
    st.segmented_control(
        tr("review_view"),
        ["review", "trends"],
        key="review_view",
        default="review",
        format_func=lambda v: tr(f"tab_{v}"),
        label_visibility="collapsed",
    )
    or "review"
)
if view == "review":
    st.markdown(markdown)
else:
    for chart in doc.charts():
        st.plotly_chart(figures.review_chart(chart, tr), width="stretch")
        st.caption(chart.summary)

st.divider()


def file_document() -> Document:
    """The review as ``opskpi report`` writes it (every [report] list_limit row, links to
    ``[app] url``): built when a download is asked for."""
    return data.weekly_review_file(
        ctx.snapshot,
        week,
        ctx.as_of,
        ctx.filters,
        tr.language,
        ReviewOptions.from_settings(ctx.settings),
        ctx.settings.model.app.url,
    )


name = f"opskpi-review-{week}"
left, middle, right = st.columns([1, 1, 3])
left.download_button(
    tr("download_md"),
    lambda: to_markdown(file_document()),
    file_name=f"{name}.md",
    mime="text/markdown",
    icon=":material/download:",
)
middle.download_button(
    tr("download_html"),
    lambda: to_html(file_document()),  # drawn when asked for: the charts take a moment
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
