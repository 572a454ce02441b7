-- One row per PagerDuty alert (GET /incidents/{id}/alerts): where runbook links usually live.
with source as (
    select object_id, parent_id, payload
    from raw_objects
    where source = 'pagerduty' and object_type = 'alert' and deleted_at is null
),

renamed as (
    select
        object_id as alert_id,
        coalesce(payload -> 'incident' ->> 'id', parent_id) as incident_id,
        try_cast(payload ->> 'created_at' as timestamptz) as created_at,
        payload ->> 'severity' as alert_severity,
        payload -> 'body' -> 'details' as details,
        payload -> 'body' -> 'contexts' as contexts
    from source
)

select * from renamed
