-- One incident with everything the detail view shows: the incidents mart row, its local times,
-- the deploy it is attributed to and the postmortem deadline. Parameter: $incident_key.
with settings as (
    select timezone from cfg_settings
)

select
    incidents.* exclude (created_local, created_date, created_week),
    timezone(settings.timezone, incidents.created_at) as created_local,
    timezone(settings.timezone, incidents.acknowledged_at) as acknowledged_local,
    timezone(settings.timezone, incidents.resolved_at) as resolved_local,
    timezone(settings.timezone, incidents.postmortem_deadline) as postmortem_deadline_local,
    timezone(settings.timezone, incidents.postmortem_published_at) as postmortem_published_local,
    deploys.app as release_app,
    deploys.revision as release_revision,
    timezone(settings.timezone, deploys.deployed_at) as release_deployed_local,
    deploys.is_rollback as release_is_rollback
from incidents
cross join settings
left join deploys on deploys.deploy_key = incidents.release_key
where incidents.incident_key = $incident_key
