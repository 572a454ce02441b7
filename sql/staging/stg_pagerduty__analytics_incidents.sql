-- One row per incident of POST /analytics/raw/incidents (optional path, up to 24 h behind).
-- Its timestamps carry no offset: the connector always asks for time_zone Etc/UTC.
-- escalation_count here also counts escalations after the first ack, so it is not used:
-- log entries stay the source of escalations.
with source as (
    select object_id, payload
    from raw_objects
    where source = 'pagerduty' and object_type = 'analytics_incident' and deleted_at is null
),

renamed as (
    select
        object_id as source_id,
        payload ->> 'description' as title,
        try_cast(payload ->> 'created_at' as timestamp) at time zone 'UTC' as created_at,
        payload ->> 'created_at' as created_at_raw,
        try_cast(payload ->> 'resolved_at' as timestamp) at time zone 'UTC' as resolved_at,
        try_cast(payload ->> 'seconds_to_first_ack' as double) as seconds_to_first_ack,
        payload ->> 'status' as status,
        payload ->> 'urgency' as urgency,
        payload ->> 'priority_name' as priority,
        payload ->> 'service_name' as service,
        payload ->> 'team_name' as team
    from source
)

select * from renamed
