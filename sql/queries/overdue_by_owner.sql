-- Overdue corrective actions per owner: the kpis/rca.sql overdue_actions and overdue_must_fix
-- split by owner (their sums equal those KPIs for the same period and filters). Actions by
-- due_date in [$since, $until); either bound may be null (unbounded).
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

overdue as (
    select corrective_actions.*, today.today - corrective_actions.due_date as days_overdue
    from corrective_actions
    cross join today
    where status not in ('done', 'cancelled')
      and due_date < today.today
      and ($since is null or due_date >= $since)
      and ($until is null or due_date < $until)
      and (
          ($severities is null and $services is null and $teams is null and $sources is null)
          or exists (
              select 1 from matching_incidents
              where list_contains(corrective_actions.incident_keys, matching_incidents.incident_key)
          )
      )
)

select
    coalesce(nullif(trim(owner), ''), '(none)') as owner,
    count(*) as overdue_actions,
    count(*) filter (where must_fix) as overdue_must_fix,
    count(*) filter (where not must_fix) as overdue_other,
    max(days_overdue) as oldest_days_overdue
from overdue
group by 1
order by overdue_actions desc, overdue_must_fix desc, owner
