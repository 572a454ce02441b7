"""Carga de plantão: how often people are paged and when (docs/kpis.md §10), per week by class,
per person (the most woken first), by hour and weekday; then the alert noise (§11): the two
shares per week and the noisiest services. People are shown as the source names them, as text.
"""

import streamlit as st

from opskpi.app.web import data, figures
from opskpi.app.web.components import context, empty, kpi_cards, table

ONCALL_CARDS = ("interruptions", "sleep_hours_share", "people_interrupted")
NOISE_CARDS = ("resolved_unacknowledged_share", "flapping_share", "alerts_per_incident")
NOISIEST = 10

ctx = context()
tr = ctx.tr
oncall = ctx.settings.model.oncall
now = data.report(ctx.snapshot, ctx.period, ctx.filters)
before = data.report(ctx.snapshot, ctx.period.previous(), ctx.filters)

coverage = data.plain_list(ctx.snapshot, "notification_coverage")
for row in coverage.to_dict("records"):
    if row["incidents"] and not row["incidents_notified"]:
        st.info(tr("no_notifications_source", source=row["source"], incidents=row["incidents"]))

kpi_cards(ONCALL_CARDS, now, before, ctx)
st.caption(
    tr(
        "oncall_classes_caption",
        tz=ctx.timezone,
        business=str(oncall.business_hours),
        sleep=str(oncall.sleep_hours),
    )
)

if now.oncall.interruptions == 0:
    empty(ctx)
else:
    weekly = data.kpi(ctx.snapshot, "oncall", ctx.period, ctx.filters, grain="week")
    st.plotly_chart(figures.weekly_interruptions(weekly, tr, ctx.partial_weeks), width="stretch")

    st.subheader(tr("sec_per_person"))
    people = data.oncall_people(ctx.snapshot, ctx.period, ctx.filters)
    people = people.assign(share_text=[tr.pct(v) for v in people["sleep_hours_share"]])
    table(
        people,
        {
            "person": tr("person"),
            "interruptions": tr("interruptions"),
            "business_hours": tr("class.business_hours"),
            "off_hours": tr("class.off_hours"),
            "sleep_hours": tr("class.sleep_hours"),
            "share_text": tr("sleep_share"),
            "sources": tr("sources"),
        },
    )

    hours = data.oncall_hours(ctx.snapshot, ctx.period, ctx.filters)
    st.plotly_chart(figures.interruption_heatmap(hours, tr), width="stretch")

st.subheader(tr("sec_noise"))
kpi_cards(NOISE_CARDS, now, before, ctx)
st.caption(tr("noise_caption", window=tr.dur(ctx.settings.model.noise.flap_window.seconds)))
if now.noise.incidents:
    weekly_noise = data.kpi(ctx.snapshot, "noise", ctx.period, ctx.filters, grain="week")
    st.plotly_chart(figures.weekly_noise(weekly_noise, tr, ctx.partial_weeks), width="stretch")
    st.subheader(tr("sec_noisiest"))
    services = data.kpi(ctx.snapshot, "noise", ctx.period, ctx.filters, dimension="service")
    services = services.head(NOISIEST).assign(
        unacked_text=[tr.pct(v) for v in services.head(NOISIEST)["resolved_unacknowledged_share"]],
        flapping_text=[tr.pct(v) for v in services.head(NOISIEST)["flapping_share"]],
        alerts_text=[tr.num(v) for v in services.head(NOISIEST)["alerts_per_incident"]],
    )
    table(
        services,
        {
            "dimension_value": tr("service"),
            "incidents": tr("incidents"),
            "flapping": tr("flapping"),
            "flapping_text": tr("kpi.flapping_share"),
            "unacked_text": tr("kpi.resolved_unacknowledged_share"),
            "alerts_text": tr("kpi.alerts_per_incident"),
        },
    )
