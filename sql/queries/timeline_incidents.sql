-- The incidents of a period placed on the deploy timeline: on the row of the app of the deploy
-- they are attributed to, else on every app mapped to their service, else on no app (null).
-- Parameters: $since, $until, filters.
with incidents as (
    select *
    from period_incidents($since, $until, $severities, $services, $teams, $sources)
    where not is_merged
),

service_apps as (
    select distinct app, unnest(services) as service from deploys
),

placed as (
    select incidents.incident_key, deploys.app
    from incidents
    inner join deploys on deploys.deploy_key = incidents.release_key
    union all
    select incidents.incident_key, service_apps.app
    from incidents
    inner join service_apps on service_apps.service = incidents.service
    where incidents.release_key is null
)

select
    incidents.incident_key,
    incidents.title,
    incidents.url,
    incidents.severity,
    incidents.service,
    incidents.created_at,
    incidents.created_local,
    incidents.is_release_caused,
    incidents.release_key,
    placed.app
from incidents
left join placed using (incident_key)
order by incidents.created_at, placed.app
