-- One row per update posted to a stakeholder-comms incident (incidentUpdates[], in the order
-- given), for a later communications-cadence KPI. One parse per payload, then one per update.
with source as (
    select object_id, try_cast(json_extract(payload, '$.incidentUpdates') as json[]) as updates
    from raw_objects
    where source = 'jsm' and object_type = 'comms_incident' and deleted_at is null
),

updates as (
    select
        object_id as comms_incident_id,
        unnest(updates) as update_json,
        generate_subscripts(updates, 1) as position
    from source
),

fields as (
    select
        comms_incident_id,
        position,
        json_extract_string(
            update_json, ['$.status', '$.oldStatus', '$.body', '$.createdAt', '$.hidden']
        ) as f
    from updates
)

select
    comms_incident_id,
    position,
    f[1] as status,
    f[2] as old_status,
    f[3] as body,
    try_cast(f[4] as timestamptz) as created_at,
    coalesce(try_cast(f[5] as boolean), false) as is_hidden
from fields
