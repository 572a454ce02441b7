-- One row per PagerDuty alert (GET /incidents/{id}/alerts): where runbook links usually live.
-- One parse per payload; of body.details only the runbook fields are kept, body.contexts as
-- JSON text.
with source as (
    select
        object_id,
        parent_id,
        json_extract_string(payload, [
            '$.incident.id', '$.created_at', '$.severity', '$.body.details.runbook_url',
            '$.body.details.runbook', '$.body.contexts'
        ]) as f
    from raw_objects
    where source = 'pagerduty' and object_type = 'alert' and deleted_at is null
),

renamed as (
    select
        object_id as alert_id,
        coalesce(f[1], parent_id) as incident_id,
        try_cast(f[2] as timestamptz) as created_at,
        f[3] as alert_severity,
        f[4] as details_runbook_url,
        f[5] as details_runbook,
        f[6] as contexts
    from source
)

select * from renamed
