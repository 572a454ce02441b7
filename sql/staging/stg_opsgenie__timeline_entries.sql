-- One row per Opsgenie incident timeline entry (GET /v2/incident-timelines/{id}/entries),
-- keyed by the connector as incident id / entry id, parent_id = the incident.
with source as (
    select object_id, parent_id, payload
    from raw_objects
    where source = 'opsgenie' and object_type = 'timeline_entry' and deleted_at is null
),

renamed as (
    select
        object_id as entry_key,
        parent_id as incident_id,
        payload ->> 'type' as entry_type,
        try_cast(payload ->> 'eventTime' as timestamptz) as event_at,
        coalesce(payload -> 'actor' ->> 'name', payload -> 'actor' ->> 'type') as actor,
        coalesce(try_cast(payload ->> 'hidden' as boolean), false) as is_hidden
    from source
)

select * from renamed
