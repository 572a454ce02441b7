-- One row per Opsgenie incident timeline entry (GET /v2/incident-timelines/{id}/entries),
-- keyed by the connector as incident id / entry id, parent_id = the incident. One parse per
-- payload.
with source as (
    select
        object_id,
        parent_id,
        json_extract_string(payload, [
            '$.type', '$.eventTime', '$.actor.name', '$.actor.type', '$.hidden'
        ]) as f
    from raw_objects
    where source = 'opsgenie' and object_type = 'timeline_entry' and deleted_at is null
),

renamed as (
    select
        object_id as entry_key,
        parent_id as incident_id,
        f[1] as entry_type,
        try_cast(f[2] as timestamptz) as event_at,
        coalesce(f[3], f[4]) as actor,
        coalesce(try_cast(f[5] as boolean), false) as is_hidden
    from source
)

select * from renamed
