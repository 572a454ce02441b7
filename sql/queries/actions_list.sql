-- Corrective actions for lists (docs/kpis.md §7), one row per action, with the same
-- "overdue" and "on time" predicates as kpis/rca.sql. "today" is the date of $as_of in the
-- reporting time zone. With an incident filter, an action is listed when one of its incidents
-- matches (as in kpis/rca.sql).
-- Parameters: $since, $until (due-date range, each nullable = unbounded), $as_of, filters,
-- $only_open (not done nor cancelled), $only_overdue, $only_must_fix, $incident_key
-- (nullable), $include_cancelled.
with actions as (
    select *
    from filtered_actions($as_of, $severities, $services, $teams, $sources)
    where ($include_cancelled or status <> 'cancelled')
      and ($since is null or due_date >= $since)
      and ($until is null or due_date < $until)
      and ($incident_key is null or list_contains(incident_keys, $incident_key))
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
