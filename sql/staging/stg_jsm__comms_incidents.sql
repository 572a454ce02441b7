-- One row per stakeholder-comms incident (status page), landed verbatim with its updates
-- (GET /jsm/ops/stakeholder-comms/cloudId/{cloudId}/api/incidents/list). No KPI reads it yet:
-- it is the data a communications-cadence KPI needs (updateNeededAt, the updates' times).
with source as (
    select object_id, payload, fetched_at
    from raw_objects
    where source = 'jsm' and object_type = 'comms_incident' and deleted_at is null
)

select
    object_id as comms_incident_id,
    payload -> 'incident' ->> 'name' as name,
    payload -> 'incident' ->> 'status' as status,
    payload -> 'incident' ->> 'impact' as impact,
    payload -> 'incident' ->> 'pageId' as page_id,
    payload -> 'incident' ->> 'externalIncidentSource' as external_source,
    payload -> 'incident' ->> 'externalIncidentId' as external_id,
    case when payload -> 'incident' ->> 'externalIncidentSource' = 'JSM'
        then 'jsm:' || (payload -> 'incident' ->> 'externalIncidentId') end as incident_key,
    try_cast(payload -> 'incident' ->> 'createdAt' as timestamptz) as created_at,
    try_cast(payload -> 'incident' ->> 'startedAt' as timestamptz) as started_at,
    try_cast(payload -> 'incident' ->> 'updatedAt' as timestamptz) as updated_at,
    try_cast(payload -> 'incident' ->> 'updateNeededAt' as timestamptz) as update_needed_at,
    coalesce(json_array_length(payload -> 'incidentUpdates'), 0) as updates,
    fetched_at
from source
