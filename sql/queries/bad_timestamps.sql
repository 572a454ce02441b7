-- Incidents with a bad timestamp (docs/kpis.md §1): they stay in counts, the bad duration
-- is left out of the time statistics. One row per incident, with every reason that applies.
with settings as (
    select timezone from cfg_settings
)

select
    incidents.incident_key,
    incidents.title,
    incidents.url,
    incidents.severity,
    incidents.service,
    incidents.created_at_raw,
    timezone(settings.timezone, incidents.created_at) as created_local,
    timezone(settings.timezone, incidents.acknowledged_at) as acknowledged_local,
    timezone(settings.timezone, incidents.resolved_at) as resolved_local,
    incidents.created_at is null as is_creation_missing,
    incidents.is_ack_before_creation,
    incidents.is_resolve_before_creation,
    incidents.is_resolve_in_future
from incidents
cross join settings
where incidents.created_at is null
   or incidents.is_ack_before_creation
   or incidents.is_resolve_before_creation
   or incidents.is_resolve_in_future
order by incidents.created_at desc nulls first, incidents.incident_key
