-- One row per notification that names the person notified (docs/kpis.md §10), every source in
-- one shape: the incident it counts for, who (a stable id and the name as the source gives it),
-- when. PagerDuty: notify_log_entry (its user; the name in "Notified <name> by <channel>." when
-- the entry carries no user). Opsgenie and JSM Operations alerts: log lines "Sent [<channel>]
-- notification to <recipient>" (also without the channel, and with a trailing " via
-- <channel>"); JSM log lines in either spelling (stg_jsm__alert_logs). Opsgenie incident
-- timelines name no one notified: those incidents have no notifications.
--
-- Continuity (docs/migration-opsgenie-to-jsm.md): notifications follow the record that counts.
-- A notification of an Opsgenie or JSM record that int_jsm__continuity leaves out counts for
-- the record kept instead (kept_key), and for nothing when none is; Opsgenie and JSM name the
-- same accounts (JSM is the migrated Opsgenie site), so their people share one identity and a
-- person paged by both records of one alert is interrupted once (sql/marts/50_interruptions.sql).
with pagerduty as (
    select
        'pagerduty' as source,
        'pagerduty:' || incident_id as record_key,
        log_entry_id as notification_id,
        coalesce(nullif(user_name, ''), regexp_extract(summary, '^Notified (.+?) by ', 1))
            as person,
        user_id,
        created_at as notified_at
    from stg_pagerduty__log_entries
    where entry_type = 'notify_log_entry'
),

alert_logs as (
    select 'opsgenie' as source, alert_id, log_id, log, created_at
    from stg_opsgenie__alert_logs
    union all
    select 'jsm' as source, alert_id, log_id, log, created_at
    from stg_jsm__alert_logs
),

alert_notifications as (
    select
        source,
        source || ':' || alert_id as record_key,
        log_id as notification_id,
        regexp_extract(
            trim(log), '(?i)^sent (?:\[[^\]]*\] )?notification to (.+?)(?: via .*)?\.?$', 1
        ) as person,
        null as user_id,
        created_at as notified_at
    from alert_logs
    where regexp_matches(trim(log), '(?i)^sent (?:\[[^\]]*\] )?notification to ')
),

unioned as (
    select * from pagerduty
    union all
    select * from alert_notifications
),

counted as (
    -- the record that counts for the alert: the record itself, else its kept twin
    select
        unioned.*,
        case when left_out.incident_key is null then unioned.record_key else left_out.kept_key end
            as incident_key
    from unioned
    left join int_jsm__continuity as left_out on left_out.incident_key = unioned.record_key
)

select
    source,
    incident_key,
    record_key,
    notification_id,
    nullif(trim(person), '') as person,
    -- who: the source's user id where it gives one, else the name as written; Opsgenie's and
    -- JSM's people are the same accounts
    case source when 'jsm' then 'opsgenie' else source end
        || ':' || coalesce(nullif(user_id, ''), nullif(trim(person), '')) as person_id,
    notified_at
from counted
where incident_key is not null
