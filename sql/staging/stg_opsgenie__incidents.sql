-- One row per Opsgenie incident (GET /v1/incidents), mode = "incidents".
with source as (
    select object_id, payload, fetched_at
    from raw_objects
    where source = 'opsgenie' and object_type = 'incident' and deleted_at is null
),

renamed as (
    select
        object_id as source_id,
        payload ->> 'tinyId' as tiny_id,
        payload ->> 'message' as title,
        payload -> 'links' ->> 'web' as url,
        payload ->> 'createdAt' as created_at_raw,
        try_cast(payload ->> 'createdAt' as timestamptz) as created_at,
        try_cast(payload ->> 'updatedAt' as timestamptz) as updated_at,
        try_cast(payload ->> 'impactEndDate' as timestamptz) as impact_end_at,
        payload ->> 'status' as status,
        payload ->> 'priority' as priority,
        coalesce(try_cast(payload -> 'tags' as varchar[]), []) as tags,
        payload -> 'extraProperties' as extra_properties,
        coalesce(payload ->> 'serviceId', payload -> 'impactedServices' ->> 0) as service_ref,
        nullif(payload ->> 'ownerTeam', '') as team_id,
        fetched_at
    from source
)

select * from renamed
