-- Overdue corrective actions per owner: the kpis/rca.sql overdue_actions and overdue_must_fix
-- split by owner (their sums equal those KPIs for the same period and filters). Actions by
-- due_date in [$since, $until); either bound may be null (unbounded).
with overdue as (
    select *, today - due_date as days_overdue
    from filtered_actions($as_of, $severities, $services, $teams, $sources)
    where is_overdue
      and ($since is null or due_date >= $since)
      and ($until is null or due_date < $until)
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
