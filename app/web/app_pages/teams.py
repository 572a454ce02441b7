"""Times: teams side by side (``metrics/teams.py``), every cell a link to the page that shows
that figure, filtered to the team (the view travels in the URL, ``app/web/state.py``)."""

from urllib.parse import quote

import streamlit as st

from opskpi.app.web import data
from opskpi.app.web.components import context, empty, link_column
from opskpi.metrics.teams import TeamRow

# The text of a cell rides in the link's fragment; the column shows it (Streamlit decodes it).
SHOWN = r"#(.*)$"

ctx = context()
tr = ctx.tr
rows = data.team_rows(ctx.snapshot, ctx.period, ctx.filters)


def cell(page: str, team: str, text: str) -> str:
    return f"{ctx.link(page, team=team)}#{quote(text, safe='')}"


def columns(row: TeamRow) -> dict[str, str]:
    team = row.team
    return {
        "team": cell("incidents", team, team),
        "incidents": cell("incidents", team, tr.num(row.incidents)),
        "mtta_median": cell("response", team, tr.dur(row.tta_median)),
        "mtta_p90": cell("response", team, tr.dur(row.tta_p90)),
        "mttr_median": cell("response", team, tr.dur(row.ttr_median)),
        "mttr_p90": cell("response", team, tr.dur(row.ttr_p90)),
        "ack_sla": cell("response", team, tr.pct(row.ack_sla_compliance)),
        "resolve_sla": cell("response", team, tr.pct(row.resolve_sla_compliance)),
        "change_failure_rate": cell(
            "releases",
            team,
            f"{tr.pct(row.change_failure_rate)} "
            f"({tr.ratio(row.deploys_with_incident, row.deploys)})",
        ),
        "interruptions": cell("oncall", team, tr.num(row.interruptions)),
        "sleep_hours_share": cell("oncall", team, tr.pct(row.sleep_hours_share)),
        "flapping_share": cell("oncall", team, tr.pct(row.flapping_share)),
        "overdue_must_fix": cell("actions", team, tr.num(row.overdue_must_fix)),
    }


LABELS = {
    "team": tr("team"),
    "incidents": tr("incidents"),
    "mtta_median": tr("mtta_median"),
    "mtta_p90": tr("mtta_p90"),
    "mttr_median": tr("mttr_median"),
    "mttr_p90": tr("mttr_p90"),
    "ack_sla": tr("kpi.ack_sla"),
    "resolve_sla": tr("kpi.resolve_sla"),
    "change_failure_rate": tr("kpi.change_failure_rate"),
    "interruptions": tr("kpi.interruptions"),
    "sleep_hours_share": tr("kpi.sleep_hours_share"),
    "flapping_share": tr("kpi.flapping_share"),
    "overdue_must_fix": tr("kpi.overdue_must_fix"),
}

st.subheader(tr("sec_teams"))
st.caption(tr("teams_caption"))
if not rows:
    empty(ctx)
else:
    st.dataframe(
        [columns(row) for row in rows],
        hide_index=True,
        width="stretch",
        column_config={key: link_column(label, text=SHOWN) for key, label in LABELS.items()},
    )
