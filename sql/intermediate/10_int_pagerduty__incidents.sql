-- One row per PagerDuty incident with its first ack, last resolve, escalations before the first
-- ack, runbook link and taxonomy/release custom fields, in the shape every source shares.
-- Incidents only the analytics API returned are added with the analytics figures.
with incidents as (
    select * from stg_pagerduty__incidents
),

log_entries as (
    select * from stg_pagerduty__log_entries
),

settings as (
    select * from cfg_settings
),

first_ack as (
    select incident_id, min(created_at) as first_ack_at
    from log_entries
    where entry_type = 'acknowledge_log_entry'
    group by incident_id
),

last_resolve as (
    select incident_id, max(created_at) as last_resolve_at
    from log_entries
    where entry_type = 'resolve_log_entry'
    group by incident_id
),

escalations as (
    -- escalations before the first ack; all of them when never acknowledged
    select log_entries.incident_id, count(*) as escalation_count
    from log_entries
    left join first_ack using (incident_id)
    where log_entries.entry_type = 'escalate_log_entry'
      and (first_ack.first_ack_at is null or log_entries.created_at < first_ack.first_ack_at)
    group by log_entries.incident_id
),

runbook_places as (
    -- an alert's body.details / body.contexts are its Events API custom_details / links; the
    -- trigger log entry carries the first alert's as channel.details / contexts: the same data
    -- (staging keeps the details' runbook_url and runbook, and the contexts as JSON text)
    select
        incident_id,
        created_at,
        'pagerduty alert' as runbook_source,
        1 as source_order,
        details_runbook_url,
        details_runbook,
        contexts
    from stg_pagerduty__alerts
    union all
    select
        incident_id,
        created_at,
        'pagerduty trigger log entry' as runbook_source,
        2 as source_order,
        details_runbook_url,
        details_runbook,
        contexts
    from log_entries
    where entry_type = 'trigger_log_entry'
),

runbook_candidates as (
    -- docs/kpis.md §6: a runbook in the details first, else a link context whose text or
    -- href says runbook
    select
        incident_id,
        runbook_source,
        1 as precedence,
        created_at,
        source_order,
        coalesce(nullif(details_runbook_url, ''), nullif(details_runbook, '')) as runbook_url
    from runbook_places
    union all
    select
        incident_id,
        runbook_source,
        2 as precedence,
        created_at,
        source_order,
        list_filter(
            try_cast(contexts as json[]),
            lambda c: c ->> 'type' = 'link'
                and (coalesce(c ->> 'text', '') ilike '%runbook%'
                     or coalesce(c ->> 'href', '') ilike '%runbook%')
        )[1] ->> 'href' as runbook_url
    from runbook_places
),

runbooks as (
    select incident_id, runbook_url, runbook_source
    from runbook_candidates
    where runbook_url is not null and runbook_url <> ''
    qualify row_number() over (
        partition by incident_id
        order by precedence, created_at, source_order, runbook_url
    ) = 1
),

custom_fields as (
    select
        incident_id,
        max(field_value) filter (where field_name = settings.taxonomy_pagerduty_field)
            as field_root_cause,
        max(field_value) filter (where field_name = settings.release_pagerduty_field)
            as field_release
    from stg_pagerduty__custom_fields, settings
    group by incident_id
),

analytics as (
    select * from stg_pagerduty__analytics_incidents
),

from_rest as (
    select
        'pagerduty:' || incidents.source_id as incident_key,
        'pagerduty' as source,
        incidents.source_id,
        incidents.title,
        incidents.url,
        incidents.created_at,
        incidents.created_at_raw,
        coalesce(
            first_ack.first_ack_at,
            analytics.created_at + to_microseconds(
                cast(analytics.seconds_to_first_ack * 1000000 as bigint))
        ) as acknowledged_at,
        case when incidents.status = 'resolved' then coalesce(
            incidents.resolved_at,
            last_resolve.last_resolve_at,
            analytics.resolved_at,
            incidents.last_status_change_at
        ) end as resolved_at,
        incidents.status,
        incidents.priority,
        incidents.urgency,
        incidents.service,
        incidents.team,
        coalesce(escalations.escalation_count, 0) as escalation_count,
        incidents.is_merged,
        'pagerduty:' || incidents.merged_into_id as merged_into,
        custom_fields.field_root_cause,
        custom_fields.field_release,
        runbooks.runbook_url,
        runbooks.runbook_source,
        incidents.alert_count,
        incidents.fetched_at
    from incidents
    left join first_ack on first_ack.incident_id = incidents.source_id
    left join last_resolve on last_resolve.incident_id = incidents.source_id
    left join escalations on escalations.incident_id = incidents.source_id
    left join runbooks on runbooks.incident_id = incidents.source_id
    left join custom_fields on custom_fields.incident_id = incidents.source_id
    left join analytics on analytics.source_id = incidents.source_id
),

from_analytics_only as (
    select
        'pagerduty:' || analytics.source_id as incident_key,
        'pagerduty' as source,
        analytics.source_id,
        analytics.title,
        null as url,
        analytics.created_at,
        analytics.created_at_raw,
        coalesce(
            first_ack.first_ack_at,
            analytics.created_at + to_microseconds(
                cast(analytics.seconds_to_first_ack * 1000000 as bigint))
        ) as acknowledged_at,
        case when analytics.status = 'resolved'
            then coalesce(last_resolve.last_resolve_at, analytics.resolved_at) end as resolved_at,
        analytics.status,
        analytics.priority,
        analytics.urgency,
        analytics.service,
        analytics.team,
        coalesce(escalations.escalation_count, 0) as escalation_count,
        false as is_merged,
        null as merged_into,
        custom_fields.field_root_cause,
        custom_fields.field_release,
        runbooks.runbook_url,
        runbooks.runbook_source,
        null::bigint as alert_count,  -- the analytics API gives no alert count
        null::timestamptz as fetched_at
    from analytics
    anti join incidents on incidents.source_id = analytics.source_id
    left join first_ack on first_ack.incident_id = analytics.source_id
    left join last_resolve on last_resolve.incident_id = analytics.source_id
    left join escalations on escalations.incident_id = analytics.source_id
    left join runbooks on runbooks.incident_id = analytics.source_id
    left join custom_fields on custom_fields.incident_id = analytics.source_id
)

select * from from_rest
union all by name
select * from from_analytics_only
