-- Release-caused incidents and change failure rate (docs/kpis.md §5), per bucket.
-- Incidents by created_at, deploys by deployed_at. A deploy is failed when at least one
-- (non-merged, filter-matching) incident is attributed to it, wherever that incident falls.
-- The service filter also narrows deploys to the apps mapped to those services, the team filter
-- to the apps mapped to the team's services (docs/kpis.md, "Team filter and deploys").
-- No CTE here may be named like a mart the macros read (incidents, deploys): inside
-- period_incidents(...) the name would resolve to the CTE, and "any period" would silently
-- mean "this period".
with in_period as (
    select *, bucket_of(created_date, $since, $grain) as bucket
    from period_incidents($since, $until, $severities, $services, $teams, $sources)
    where not is_merged
),

attributed as (
    -- every matching incident of any period, to find each deploy's incidents
    select distinct release_key
    from period_incidents(date '0001-01-01', date '9999-12-31',
                          $severities, $services, $teams, $sources)
    where not is_merged and release_key is not null
),

deploys_in_period as (
    select
        deploys.*,
        bucket_of(cast(deployed_local as date), $since, $grain) as bucket,
        attributed.release_key is not null as has_incident
    from deploys
    left join attributed on attributed.release_key = deploys.deploy_key
    where cast(deployed_local as date) >= $since
      and cast(deployed_local as date) < $until
      and ($services is null or list_has_any(deploys.services, $services))
      and ($teams is null or list_has_any(deploys.teams, $teams))
),

incident_counts as (
    select
        bucket,
        count(*) as incidents,
        count(*) filter (where is_release_caused) as release_caused,
        count(*) filter (where is_release_explicit) as explicit,
        count(*) filter (where is_release_window) as in_window
    from in_period
    group by bucket
),

deploy_counts as (
    select
        bucket,
        count(*) as deploys,
        count(*) filter (where has_incident) as deploys_with_incident,
        count(*) filter (where is_rollback) as rollbacks
    from deploys_in_period
    group by bucket
)

select
    buckets.bucket,
    coalesce(incident_counts.incidents, 0) as incidents,
    coalesce(incident_counts.release_caused, 0) as release_caused,
    coalesce(incident_counts.explicit, 0) as explicit,
    coalesce(incident_counts.in_window, 0) as "window",
    incident_counts.release_caused / nullif(incident_counts.incidents, 0) as release_caused_share,
    coalesce(deploy_counts.deploys, 0) as deploys,
    coalesce(deploy_counts.deploys_with_incident, 0) as deploys_with_incident,
    deploy_counts.deploys_with_incident / nullif(deploy_counts.deploys, 0)
        as change_failure_rate,
    coalesce(deploy_counts.rollbacks, 0) as rollbacks
from period_buckets($since, $until, $grain) as buckets
left join incident_counts using (bucket)
left join deploy_counts using (bucket)
order by buckets.bucket
