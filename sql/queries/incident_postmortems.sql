-- The postmortems naming one incident. Parameter: $incident_key.
with settings as (
    select timezone from cfg_settings
)

select
    postmortems.postmortem_id,
    postmortems.title,
    postmortems.reference,
    postmortems.severity,
    postmortems.root_cause,
    postmortems.published_at,
    timezone(settings.timezone, postmortems.published_at) as published_local,
    postmortems.release_ref,
    postmortems.incident_keys
from postmortem_incidents as links
inner join postmortems using (postmortem_id)
cross join settings
where links.incident_key = $incident_key
order by postmortems.published_at nulls last, postmortems.postmortem_id
