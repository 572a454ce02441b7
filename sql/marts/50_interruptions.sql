-- One row per interruption (docs/kpis.md §10): a person's first notification for an incident
-- (notified again for the same incident is not interrupted again; merged incidents count),
-- with its local time in the reporting time zone and its class by the [oncall] hours and the
-- business-day calendar. The incident's severity, service, team and source come along for the
-- filters; a notification whose incident is not in `incidents` is left out (see
-- notification_coverage).
with notifications as (
    select * from int_notifications
    where person_id is not null and notified_at is not null
),

firsts as (
    select
        incident_key,
        person_id,
        arg_min(person, notified_at) as person,
        min(notified_at) as notified_at,
        count(*) as notifications
    from notifications
    group by incident_key, person_id
),

settings as (
    select * from cfg_settings
),

hours as (
    select * from cfg_oncall
),

localised as (
    select
        firsts.*,
        timezone(settings.timezone, firsts.notified_at) as notified_local
    from firsts
    cross join settings
),

clocked as (
    select
        localised.*,
        cast(notified_local as date) as notified_date,
        hour(notified_local) * 3600 + minute(notified_local) * 60 + second(notified_local)
            as second_of_day
    from localised
),

classified as (
    select
        clocked.*,
        coalesce(calendar.is_business_day, false) as is_business_day,
        case
            when case when hours.sleep_end_second <= hours.sleep_start_second
                    then clocked.second_of_day >= hours.sleep_start_second
                        or clocked.second_of_day < hours.sleep_end_second
                    else clocked.second_of_day >= hours.sleep_start_second
                        and clocked.second_of_day < hours.sleep_end_second
                end then 'sleep_hours'
            when coalesce(calendar.is_business_day, false)
                and clocked.second_of_day >= hours.business_start_second
                and clocked.second_of_day < hours.business_end_second then 'business_hours'
            else 'off_hours'
        end as interruption_class
    from clocked
    cross join hours
    left join cfg_calendar as calendar on calendar.day = clocked.notified_date
)

select
    classified.incident_key,
    classified.person_id,
    classified.person,
    classified.notified_at,
    classified.notified_local,
    classified.notified_date,
    cast(date_trunc('week', classified.notified_local) as date) as notified_week,
    hour(classified.notified_local) as local_hour,
    isodow(classified.notified_local) as local_weekday,
    classified.is_business_day,
    classified.interruption_class,
    classified.notifications,
    incidents.source,
    incidents.severity,
    incidents.service,
    incidents.team,
    incidents.is_merged
from classified
inner join incidents using (incident_key)
