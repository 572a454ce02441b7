-- One row per notification that names the person notified (docs/kpis.md §10), every source in
-- one shape: the incident it was for, who (a stable id and the name as the source gives it),
-- when. PagerDuty: notify_log_entry (its user; the name in "Notified <name> by <channel>." when
-- the entry carries no user). Opsgenie alerts: log lines "Sent [<channel>] notification to
-- <recipient>" (also without the channel, and with a trailing " via <channel>"). Opsgenie
-- incident timelines name no one notified: those incidents have no notifications.
with pagerduty as (
    select
        'pagerduty' as source,
        'pagerduty:' || incident_id as incident_key,
        log_entry_id as notification_id,
        coalesce(nullif(user_name, ''), regexp_extract(summary, '^Notified (.+?) by ', 1))
            as person,
        user_id,
        created_at as notified_at
    from stg_pagerduty__log_entries
    where entry_type = 'notify_log_entry'
),

opsgenie as (
    select
        'opsgenie' as source,
        'opsgenie:' || alert_id as incident_key,
        log_id as notification_id,
        regexp_extract(
            trim(log), '(?i)^sent (?:\[[^\]]*\] )?notification to (.+?)(?: via .*)?\.?$', 1
        ) as person,
        null as user_id,
        created_at as notified_at
    from stg_opsgenie__alert_logs
    where regexp_matches(trim(log), '(?i)^sent (?:\[[^\]]*\] )?notification to ')
),

unioned as (
    select * from pagerduty
    union all
    select * from opsgenie
)

select
    source,
    incident_key,
    notification_id,
    nullif(trim(person), '') as person,
    -- who: the source's user id where it gives one, else the name as written
    source || ':' || coalesce(nullif(user_id, ''), nullif(trim(person), '')) as person_id,
    notified_at
from unioned
