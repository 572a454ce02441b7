-- Corrective actions for lists (KPI_DEFINITIONS.md §7), one row per action, with the same
-- "overdue" and "on time" predicates as kpis/rca.sql. "today" is the date of $as_of in the
-- reporting time zone. With an incident filter, an action is listed when one of its incidents
-- matches (as in kpis/rca.sql).
-- Parameters: $since, $until (due-date range, each nullable = unbounded), $as_of, filters,
-- $only_open (not done nor cancelled), $only_overdue, $only_must_fix, $incident_key
-- (nullable), $include_cancelled.
with settings as (
    select * from cfg_settings
),

today as (
    select cast(timezone(settings.timezone, cast($as_of as timestamptz)) as date) as today
    from settings
),

matching_incidents as (
    select incident_key
    from period_incidents(date '0001-01-01', date '9999-12-31',
                          $severities, $services, $teams, $sources)
),

actions as (
    select
        corrective_actions.*,
        today.today,
        status not in ('done', 'cancelled') and due_date < today.today as is_overdue
    from corrective_actions
    cross join today
    where ($include_cancelled or status <> 'cancelled')
      and ($since is null or due_date >= $since)
      and ($until is null or due_date < $until)
      and ($incident_key is null or list_contains(incident_keys, $incident_key))
      and (
          ($severities is null and $services is null and $teams is null and $sources is null)
          or exists (
              select 1 from matching_incidents
              where list_contains(corrective_actions.incident_keys, matching_incidents.incident_key)
          )
      )
)

select
    action_key,
    action_id,
    title,
    owner,
    due_date,
    status,
    completed_on,
    must_fix,
    is_overdue,
    case when is_overdue then today - due_date end as days_overdue,
    is_on_time,
    is_done_without_date,
    postmortem_id,
    postmortem_ref,
    incident_keys,
    origin_location
from actions
where (not $only_open or status not in ('done', 'cancelled'))
  and (not $only_overdue or is_overdue)
  and (not $only_must_fix or must_fix)
order by is_overdue desc, must_fix desc, due_date nulls last, action_key
