-- The deploys of a period (by deployed_at in the reporting time zone), one row per deploy, with
-- the incidents attributed to it (docs/kpis.md §5: non-merged, filter-matching incidents of
-- any period whose release_key is this deploy). The service filter narrows deploys to the apps
-- mapped to those services, the team filter to the apps of the team's services, as
-- kpis/releases.sql does.
-- Parameters: $since, $until, filters.
with attributed as (
    select
        release_key as deploy_key,
        list(incident_key order by created_at) as incident_keys,
        list(incident_key order by created_at)
            filter (where explicit_deploy_key = release_key) as explicit_keys,
        list(incident_key order by created_at)
            filter (where window_deploy_key = release_key) as window_keys
    from period_incidents(date '0001-01-01', date '9999-12-31',
                          $severities, $services, $teams, $sources)
    where not is_merged and release_key is not null
    group by release_key
)

select
    deploys.deploy_key,
    deploys.app,
    deploys.history_id,
    deploys.revision,
    deploys.deploy_started_at,
    deploys.deployed_at,
    deploys.deployed_local,
    deploys.initiated_by,
    deploys.is_automated,
    deploys.is_rollback,
    deploys.previous_revision,
    deploys.services,
    coalesce(attributed.incident_keys, []) as incident_keys,
    coalesce(attributed.explicit_keys, []) as explicit_keys,
    coalesce(attributed.window_keys, []) as window_keys,
    attributed.deploy_key is not null as has_incident
from deploys
left join attributed using (deploy_key)
where cast(deploys.deployed_local as date) >= $since
  and cast(deploys.deployed_local as date) < $until
  and ($services is null or list_has_any(deploys.services, $services))
      and ($teams is null or list_has_any(deploys.teams, $teams))
order by deploys.deployed_at desc, deploys.deploy_key
