-- One row per Opsgenie alert, as an incident (mode = "alerts"): first ack from the alert report
-- or the earliest "acknowledged" log line, close time, escalations before the first ack.
-- Alerts carry no service: details.service, else a tag service:<name>, else entity.
with alerts as (
    select * from stg_opsgenie__alerts
),

logs as (
    select * from stg_opsgenie__alert_logs
),

settings as (
    select * from cfg_settings
),

log_ack as (
    select alert_id, min(created_at) as first_ack_log_at
    from logs where is_ack group by alert_id
),

log_close as (
    select alert_id, max(created_at) as last_close_log_at
    from logs where is_close group by alert_id
),

first_ack as (
    select
        alerts.source_id,
        least(alerts.report_ack_at, log_ack.first_ack_log_at) as first_ack_at
    from alerts
    left join log_ack on log_ack.alert_id = alerts.source_id
),

escalations as (
    select logs.alert_id, count(*) as escalation_count
    from logs
    left join first_ack on first_ack.source_id = logs.alert_id
    where logs.is_escalation
      and (first_ack.first_ack_at is null or logs.created_at < first_ack.first_ack_at)
    group by logs.alert_id
),

teams as (
    select id, name from stg_opsgenie__teams where kind = 'team'
),

final as (
    select
        'opsgenie:' || alerts.source_id as incident_key,
        'opsgenie' as source,
        alerts.source_id,
        alerts.title,
        settings.opsgenie_web_url || '/alert/detail/' || alerts.source_id || '/details' as url,
        alerts.created_at,
        alerts.created_at_raw,
        first_ack.first_ack_at as acknowledged_at,
        case when alerts.status = 'closed'
            then coalesce(alerts.report_close_at, log_close.last_close_log_at) end as resolved_at,
        alerts.status,
        alerts.priority,
        null as urgency,
        coalesce(
            nullif(alerts.details_service, ''),
            substr(list_filter(alerts.tags, lambda t: t like 'service:%')[1], 9),
            nullif(alerts.entity, '')
        ) as service,
        coalesce(teams.name, alerts.team_id) as team,
        coalesce(escalations.escalation_count, 0) as escalation_count,
        false as is_merged,
        null as merged_into,
        substr(
            list_filter(alerts.tags, lambda t: starts_with(t, settings.taxonomy_opsgenie_prefix))[1],
            length(settings.taxonomy_opsgenie_prefix) + 1
        ) as field_root_cause,
        substr(
            list_filter(alerts.tags, lambda t: starts_with(t, settings.release_opsgenie_prefix))[1],
            length(settings.release_opsgenie_prefix) + 1
        ) as field_release,
        coalesce(
            nullif(alerts.details_runbook_url, ''),
            nullif(alerts.details_runbook, ''),
            regexp_extract(alerts.description, '(?im)^\s*runbook:\s*(\S+)', 1)
        ) as runbook_url,
        'opsgenie alert' as runbook_source,
        1::bigint as alert_count,  -- an Opsgenie alert is one alert (docs/kpis.md §11)
        alerts.fetched_at
    from alerts
    cross join settings
    left join first_ack on first_ack.source_id = alerts.source_id
    left join log_close on log_close.alert_id = alerts.source_id
    left join escalations on escalations.alert_id = alerts.source_id
    left join teams on teams.id = alerts.team_id
)

select * replace (
    nullif(runbook_url, '') as runbook_url,
    case when nullif(runbook_url, '') is not null then runbook_source end as runbook_source
)
from final
