-- One row per stakeholder-comms incident (status page), landed verbatim with its updates
-- (GET /jsm/ops/stakeholder-comms/cloudId/{cloudId}/api/incidents/list). No KPI reads it yet:
-- it is the data a communications-cadence KPI needs (updateNeededAt, the updates' times).
-- One parse per payload.
with source as (
    select
        object_id,
        fetched_at,
        json_extract(payload, [
            '$.incident.name', '$.incident.status', '$.incident.impact', '$.incident.pageId',
            '$.incident.externalIncidentSource', '$.incident.externalIncidentId',
            '$.incident.createdAt', '$.incident.startedAt', '$.incident.updatedAt',
            '$.incident.updateNeededAt', '$.incidentUpdates'
        ]) as j
    from raw_objects
    where source = 'jsm' and object_type = 'comms_incident' and deleted_at is null
)

select
    object_id as comms_incident_id,
    j[1] ->> '$' as name,
    j[2] ->> '$' as status,
    j[3] ->> '$' as impact,
    j[4] ->> '$' as page_id,
    j[5] ->> '$' as external_source,
    j[6] ->> '$' as external_id,
    case when j[5] ->> '$' = 'JSM' then 'jsm:' || (j[6] ->> '$') end as incident_key,
    try_cast(j[7] ->> '$' as timestamptz) as created_at,
    try_cast(j[8] ->> '$' as timestamptz) as started_at,
    try_cast(j[9] ->> '$' as timestamptz) as updated_at,
    try_cast(j[10] ->> '$' as timestamptz) as update_needed_at,
    coalesce(json_array_length(j[11]), 0) as updates,
    fetched_at
from source
