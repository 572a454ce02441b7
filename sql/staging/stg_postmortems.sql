-- One row per postmortem file, as the etl/postmortems reader landed it (strings as written).
with source as (
    select object_id, payload
    from raw_objects
    where source = 'postmortems' and object_type = 'postmortem' and deleted_at is null
),

renamed as (
    select
        object_id as postmortem_id,
        payload ->> 'title' as title,
        payload ->> 'reference' as reference,
        coalesce(try_cast(payload -> 'incidents' as varchar[]), []) as incident_keys,
        lower(replace(payload ->> 'severity', ' ', '')) as severity_raw,
        lower(trim(payload ->> 'root_cause')) as root_cause_raw,
        payload ->> 'published_at' as published_at_raw,
        try_cast(payload ->> 'published_at' as timestamptz) as published_at,
        payload ->> 'published_at_source' as published_at_source,
        nullif(trim(payload ->> 'release'), '') as release_ref,
        payload -> 'actions' as actions
    from source
)

select * from renamed
