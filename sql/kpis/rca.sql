-- RCA adherence and postmortem timeliness (docs/kpis.md §7), per bucket.
-- Actions by due_date, postmortems by their incident's created_at; "today" is the date of
-- $as_of in the reporting time zone. Cancelled actions leave every figure. With an incident
-- filter, an action counts when one of its incidents matches.
with actions as (
    select *, bucket_of(due_date, $since, $grain) as bucket
    from filtered_actions($as_of, $severities, $services, $teams, $sources)
    where status <> 'cancelled'
      and due_date >= $since
      and due_date < $until
),

action_counts as (
    select
        bucket,
        count(*) filter (where status = 'done' or is_overdue) as actions_due,
        count(*) filter (where is_on_time) as actions_on_time,
        count(*) filter (where is_overdue) as overdue_actions,
        count(*) filter (where is_overdue and must_fix) as overdue_must_fix
    from actions
    group by bucket
),

postmortems as (
    select
        bucket_of(created_date, $since, $grain) as bucket,
        postmortem_published_at is not null
            or postmortem_deadline <= cast($as_of as timestamptz) as is_due,
        postmortem_published_at <= postmortem_deadline as is_on_time
    from period_incidents($since, $until, $severities, $services, $teams, $sources)
    where not is_merged and postmortem_deadline is not null
),

postmortem_counts as (
    select
        bucket,
        count(*) filter (where is_due) as postmortems_due,
        count(*) filter (where is_due and is_on_time) as postmortems_on_time
    from postmortems
    group by bucket
)

select
    buckets.bucket,
    coalesce(action_counts.actions_due, 0) as actions_due,
    coalesce(action_counts.actions_on_time, 0) as actions_on_time,
    action_counts.actions_on_time / nullif(action_counts.actions_due, 0) as rca_adherence,
    coalesce(action_counts.overdue_actions, 0) as overdue_actions,
    coalesce(action_counts.overdue_must_fix, 0) as overdue_must_fix,
    coalesce(postmortem_counts.postmortems_due, 0) as postmortems_due,
    coalesce(postmortem_counts.postmortems_on_time, 0) as postmortems_on_time,
    postmortem_counts.postmortems_on_time / nullif(postmortem_counts.postmortems_due, 0)
        as postmortem_on_time_share
from period_buckets($since, $until, $grain) as buckets
left join action_counts using (bucket)
left join postmortem_counts using (bucket)
order by buckets.bucket
