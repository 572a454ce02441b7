-- One row per incident of POST /analytics/raw/incidents (optional path, up to 24 h behind).
-- Its timestamps carry no offset: the connector always asks for time_zone Etc/UTC.
-- escalation_count here also counts escalations after the first ack, so it is not used:
-- log entries stay the source of escalations. One parse per payload.
with source as (
    select
        object_id,
        json_extract_string(payload, [
            '$.description', '$.created_at', '$.resolved_at', '$.seconds_to_first_ack',
            '$.status', '$.urgency', '$.priority_name', '$.service_name', '$.team_name'
        ]) as f
    from raw_objects
    where source = 'pagerduty' and object_type = 'analytics_incident' and deleted_at is null
),

renamed as (
    select
        object_id as source_id,
        f[1] as title,
        try_cast(f[2] as timestamp) at time zone 'UTC' as created_at,
        f[2] as created_at_raw,
        try_cast(f[3] as timestamp) at time zone 'UTC' as resolved_at,
        try_cast(f[4] as double) as seconds_to_first_ack,
        f[5] as status,
        f[6] as urgency,
        f[7] as priority,
        f[8] as service,
        f[9] as team
    from source
)

select * from renamed
