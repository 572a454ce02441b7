-- One row per Argo CD deploy: a successful sync recorded in an application's status.history.
-- A rollback is a deploy whose revision differs from the app's immediately preceding deploy and
-- equals the revision of some earlier deploy of it (docs/kpis.md §5). `teams` are the configured
-- teams of the services the app is mapped to (docs/kpis.md, "Team filter and deploys"): empty
-- when no mapped service names a team, several when the app serves several teams.
with history as (
    select * from stg_argocd__history
    where deployed_at is not null and history_id is not null
),

settings as (
    select * from cfg_settings
),

ordered as (
    select
        *,
        lag(revision) over (partition by app order by history_id) as previous_revision,
        count(*) over (
            partition by app, revision order by history_id
            rows between unbounded preceding and 1 preceding
        ) as count_earlier_same_revision
    from history
),

services as (
    select
        service_apps.app,
        list(service_apps.service order by service_apps.service) as services,
        list_sort(list_distinct(list(configured.team))) as teams
    from cfg_service_apps as service_apps
    left join cfg_services as configured using (service)
    group by service_apps.app
)

select
    'argocd:' || ordered.app || '#' || ordered.history_id as deploy_key,
    ordered.app,
    ordered.history_id,
    ordered.revision,
    ordered.deploy_started_at,
    ordered.deployed_at,
    timezone(settings.timezone, ordered.deployed_at) as deployed_local,
    ordered.initiated_by,
    ordered.is_automated,
    ordered.previous_revision,
    coalesce(
        ordered.previous_revision is not null
        and ordered.revision <> ordered.previous_revision
        and ordered.count_earlier_same_revision > 0,
        false
    ) as is_rollback,
    coalesce(services.services, []) as services,
    coalesce(services.teams, []) as teams
from ordered
cross join settings
left join services on services.app = ordered.app
