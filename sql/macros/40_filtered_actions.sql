-- Corrective actions with "today" (the date of as_of in the reporting time zone) and the
-- overdue predicate, narrowed to the actions one of whose incidents matches the filters (every
-- action when no filter is set). Cancelled actions are kept: callers drop them. One definition
-- for kpis/rca.sql and the action lists, so their counts always agree.
create or replace temp macro filtered_actions(as_of, severities, services, teams, sources)
as table
with today as (
    select cast(timezone(cfg_settings.timezone, cast(as_of as timestamptz)) as date) as today
    from cfg_settings
),

matching_incidents as (
    -- read only when a filter is set (without one every action counts): empty otherwise, so
    -- the unfiltered report does not hash every incident key (0.5 s at 1 M incidents)
    select incident_key
    from period_incidents(date '0001-01-01', date '9999-12-31',
                          severities, services, teams, sources)
    where severities is not null or services is not null or teams is not null
       or sources is not null
)

select
    corrective_actions.*,
    today.today,
    corrective_actions.status not in ('done', 'cancelled')
        and corrective_actions.due_date < today.today as is_overdue
from corrective_actions
cross join today
where (severities is null and services is null and teams is null and sources is null)
   or exists (
       select 1 from unnest(corrective_actions.incident_keys) as keys(incident_key)
       where keys.incident_key in (select incident_key from matching_incidents)
   )
