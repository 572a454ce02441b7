-- Postmortem timeliness per incident (docs/kpis.md §7), for the list of late and missing
-- postmortems. Same rows and predicates as kpis/rca.sql: non-merged incidents of the period with
-- a deadline (sev1–3, resolved, valid resolve time). status: on_time | late (published after
-- the deadline) | missing (deadline passed, none published) | pending (deadline ahead).
-- Parameters: $since, $until, $as_of, filters, $only_problems (late and missing only).
with settings as (
    select timezone from cfg_settings
),

incidents as (
    select *
    from period_incidents($since, $until, $severities, $services, $teams, $sources)
    where not is_merged and postmortem_deadline is not null
),

judged as (
    select
        *,
        case
            when postmortem_published_at is not null
                and postmortem_published_at <= postmortem_deadline then 'on_time'
            when postmortem_published_at is not null then 'late'
            when postmortem_deadline <= cast($as_of as timestamptz) then 'missing'
            else 'pending'
        end as postmortem_status
    from incidents
)

select
    judged.incident_key,
    judged.title,
    judged.url,
    judged.severity,
    judged.service,
    judged.team,
    judged.created_local,
    timezone(settings.timezone, judged.resolved_at) as resolved_local,
    timezone(settings.timezone, judged.postmortem_deadline) as deadline_local,
    timezone(settings.timezone, judged.postmortem_published_at) as published_local,
    judged.postmortem_ids,
    judged.postmortem_status,
    case
        when judged.postmortem_status = 'late'
            then epoch(judged.postmortem_published_at) - epoch(judged.postmortem_deadline)
        when judged.postmortem_status = 'missing'
            then epoch(cast($as_of as timestamptz)) - epoch(judged.postmortem_deadline)
    end as seconds_past_deadline
from judged
cross join settings
where not $only_problems or judged.postmortem_status in ('late', 'missing')
order by
    case judged.postmortem_status
        when 'missing' then 1 when 'late' then 2 when 'pending' then 3 else 4 end,
    judged.postmortem_deadline,
    judged.incident_key
