-- One row per update posted to a stakeholder-comms incident (incidentUpdates[], in the order
-- given), for a later communications-cadence KPI.
with source as (
    select object_id, payload
    from raw_objects
    where source = 'jsm' and object_type = 'comms_incident' and deleted_at is null
),

updates as (
    select
        object_id as comms_incident_id,
        unnest(range(coalesce(json_array_length(payload -> 'incidentUpdates'), 0)::bigint))
            as position,
        payload
    from source
)

select
    comms_incident_id,
    position + 1 as position,
    payload -> 'incidentUpdates' -> cast(position as integer) ->> 'status' as status,
    payload -> 'incidentUpdates' -> cast(position as integer) ->> 'oldStatus' as old_status,
    payload -> 'incidentUpdates' -> cast(position as integer) ->> 'body' as body,
    try_cast(
        payload -> 'incidentUpdates' -> cast(position as integer) ->> 'createdAt' as timestamptz
    ) as created_at,
    coalesce(try_cast(
        payload -> 'incidentUpdates' -> cast(position as integer) ->> 'hidden' as boolean
    ), false) as is_hidden
from updates
