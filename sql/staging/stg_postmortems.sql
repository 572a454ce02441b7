-- One row per postmortem file, as the etl/postmortems reader landed it (strings as written).
-- One parse per payload (json_extract with a list of paths: the incidents list and the actions
-- table stay JSON values).
with source as (
    select
        object_id,
        json_extract(payload, [
            '$.title', '$.reference', '$.incidents', '$.severity', '$.root_cause',
            '$.published_at', '$.published_at_source', '$.release', '$.actions'
        ]) as j
    from raw_objects
    where source = 'postmortems' and object_type = 'postmortem' and deleted_at is null
),

renamed as (
    select
        object_id as postmortem_id,
        j[1] ->> '$' as title,
        j[2] ->> '$' as reference,
        coalesce(try_cast(j[3] as varchar[]), []) as incident_keys,
        lower(replace(j[4] ->> '$', ' ', '')) as severity_raw,
        lower(trim(j[5] ->> '$')) as root_cause_raw,
        j[6] ->> '$' as published_at_raw,
        try_cast(j[6] ->> '$' as timestamptz) as published_at,
        j[7] ->> '$' as published_at_source,
        nullif(trim(j[8] ->> '$'), '') as release_ref,
        j[9] as actions
    from source
)

select * from renamed
