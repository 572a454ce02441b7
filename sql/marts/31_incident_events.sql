-- One row per timeline event of an incident (trigger, ack, escalation, resolve, ...), for the
-- incident detail view. Source-specific event names are mapped to one vocabulary.
with pagerduty as (
    select
        'pagerduty:' || incident_id as incident_key,
        created_at as event_at,
        case entry_type
            when 'trigger_log_entry' then 'triggered'
            when 'acknowledge_log_entry' then 'acknowledged'
            when 'unacknowledge_log_entry' then 'unacknowledged'
            when 'escalate_log_entry' then 'escalated'
            when 'resolve_log_entry' then 'resolved'
            when 'assign_log_entry' then 'assigned'
            when 'notify_log_entry' then 'notified'
            else replace(entry_type, '_log_entry', '')
        end as kind,
        agent as actor,
        summary as detail
    from stg_pagerduty__log_entries
),

opsgenie_alerts as (
    select
        'opsgenie:' || alert_id as incident_key,
        created_at as event_at,
        case
            when is_ack then 'acknowledged'
            when is_escalation then 'escalated'
            when is_close then 'resolved'
            else 'note'
        end as kind,
        owner as actor,
        log as detail
    from stg_opsgenie__alert_logs
),

jsm_alerts as (
    select
        'jsm:' || alert_id as incident_key,
        created_at as event_at,
        case
            when is_ack then 'acknowledged'
            when is_escalation then 'escalated'
            when is_close then 'resolved'
            when notified is not null then 'notified'
            else 'note'
        end as kind,
        owner as actor,
        log as detail
    from stg_jsm__alert_logs
),

opsgenie_incidents as (
    select
        'opsgenie:' || incident_id as incident_key,
        event_at,
        case
            when entry_type = 'IncidentOpened' then 'triggered'
            when entry_type = 'ResponderAlertAcked' then 'acknowledged'
            when entry_type = 'IncidentResolved' then 'resolved'
            when entry_type = 'IncidentClosed' then 'closed'
            when entry_type = 'IncidentReopened' then 'reopened'
            when entry_type ilike '%escalat%' then 'escalated'
            else 'note'
        end as kind,
        actor,
        entry_type as detail
    from stg_opsgenie__timeline_entries
    where not is_hidden
)

select * from pagerduty
union all
select * from opsgenie_alerts
union all
select * from opsgenie_incidents
union all
select * from jsm_alerts
