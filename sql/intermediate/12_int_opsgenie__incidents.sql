-- One row per Opsgenie incident (mode = "incidents"): first ack = the earliest
-- ResponderAlertAcked of the timeline (the API lists newest first: never take array order),
-- resolution = the last IncidentResolved (else IncidentClosed) while resolved or closed.
with incidents as (
    select * from stg_opsgenie__incidents
),

timeline as (
    select * from stg_opsgenie__timeline_entries
),

settings as (
    select * from cfg_settings
),

marks as (
    select
        incident_id,
        min(event_at) filter (where entry_type = 'ResponderAlertAcked') as first_ack_at,
        max(event_at) filter (where entry_type = 'IncidentResolved') as last_resolved_at,
        max(event_at) filter (where entry_type = 'IncidentClosed') as last_closed_at
    from timeline
    group by incident_id
),

escalations as (
    select timeline.incident_id, count(*) as escalation_count
    from timeline
    left join marks using (incident_id)
    where timeline.entry_type ilike '%escalat%'
      and (marks.first_ack_at is null or timeline.event_at < marks.first_ack_at)
    group by timeline.incident_id
),

names as (
    select * from stg_opsgenie__teams
),

final as (
    select
        'opsgenie:' || incidents.source_id as incident_key,
        'opsgenie' as source,
        incidents.source_id,
        incidents.title,
        incidents.url,
        incidents.created_at,
        incidents.created_at_raw,
        marks.first_ack_at as acknowledged_at,
        case when incidents.status in ('resolved', 'closed') then coalesce(
            marks.last_resolved_at, marks.last_closed_at, incidents.impact_end_at,
            incidents.updated_at
        ) end as resolved_at,
        incidents.status,
        incidents.priority,
        null as urgency,
        coalesce(
            services.name,
            incidents.service_ref,
            substr(list_filter(incidents.tags, lambda t: t like 'service:%')[1], 9)
        ) as service,
        coalesce(teams.name, incidents.team_id) as team,
        coalesce(escalations.escalation_count, 0) as escalation_count,
        false as is_merged,
        null as merged_into,
        substr(
            list_filter(incidents.tags,
                lambda t: starts_with(t, settings.taxonomy_opsgenie_prefix))[1],
            length(settings.taxonomy_opsgenie_prefix) + 1
        ) as field_root_cause,
        substr(
            list_filter(incidents.tags,
                lambda t: starts_with(t, settings.release_opsgenie_prefix))[1],
            length(settings.release_opsgenie_prefix) + 1
        ) as field_release,
        coalesce(
            nullif(incidents.extra_runbook_url, ''),
            nullif(incidents.extra_runbook, '')
        ) as runbook_url,
        'opsgenie incident' as runbook_source,
        null::bigint as alert_count,  -- an incident gives no count of its alerts
        incidents.fetched_at
    from incidents
    cross join settings
    left join marks on marks.incident_id = incidents.source_id
    left join escalations on escalations.incident_id = incidents.source_id
    left join names as services
        on services.kind = 'service' and services.id = incidents.service_ref
    left join names as teams on teams.kind = 'team' and teams.id = incidents.team_id
)

select * replace (
    case when runbook_url is not null then runbook_source end as runbook_source
)
from final
