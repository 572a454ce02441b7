-- Incidents attributed to the deploys of a period, one row per (deploy, incident), saying how:
-- explicit (a named app@revision) and/or window (created within the release window after it).
-- Parameters: $since, $until, filters.
with period_deploys as (
    select *
    from deploys
    where cast(deployed_local as date) >= $since
      and cast(deployed_local as date) < $until
      and ($services is null or list_has_any(deploys.services, $services))
      and ($teams is null or list_has_any(deploys.teams, $teams))
),

incidents as (
    select *
    from period_incidents(date '0001-01-01', date '9999-12-31',
                          $severities, $services, $teams, $sources)
    where not is_merged and release_key is not null
)

select
    period_deploys.deploy_key,
    period_deploys.app,
    period_deploys.revision,
    period_deploys.deployed_local,
    incidents.incident_key,
    incidents.title,
    incidents.url,
    incidents.severity,
    incidents.service,
    incidents.created_local,
    epoch(incidents.created_at) - epoch(period_deploys.deployed_at) as seconds_after_deploy,
    coalesce(incidents.explicit_deploy_key = period_deploys.deploy_key, false) as is_explicit,
    coalesce(incidents.window_deploy_key = period_deploys.deploy_key, false) as is_window,
    incidents.release_ref
from period_deploys
inner join incidents on incidents.release_key = period_deploys.deploy_key
order by period_deploys.deployed_at desc, incidents.created_at
