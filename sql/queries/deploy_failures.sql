-- Failed, errored or running Argo CD operations of a period (by start in the reporting time
-- zone; an operation without a start time is always shown). Shown next to deploys, never counted
-- as deploys. The service filter narrows them to the apps mapped to those services.
-- Parameters: $since, $until, $services.
with settings as (
    select timezone from cfg_settings
),

service_apps as (
    select distinct app, unnest(services) as service from deploys
)

select
    deploy_failures.app,
    deploy_failures.phase,
    deploy_failures.started_at,
    timezone(settings.timezone, deploy_failures.started_at) as started_local,
    timezone(settings.timezone, deploy_failures.finished_at) as finished_local,
    deploy_failures.revision,
    deploy_failures.message
from deploy_failures
cross join settings
where (
        deploy_failures.started_at is null
        or (
            cast(timezone(settings.timezone, deploy_failures.started_at) as date) >= $since
            and cast(timezone(settings.timezone, deploy_failures.started_at) as date) < $until
        )
    )
  and (
      $services is null
      or deploy_failures.app in (
          select app from service_apps where list_contains($services, service)
      )
  )
order by deploy_failures.started_at desc nulls first, deploy_failures.app
