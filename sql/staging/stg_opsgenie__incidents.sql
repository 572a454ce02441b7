-- One row per Opsgenie incident (GET /v1/incidents), mode = "incidents". One parse per payload
-- (json_extract with a list of paths); of extraProperties only the runbook fields.
with source as (
    select
        object_id,
        fetched_at,
        json_extract(payload, [
            '$.tinyId', '$.message', '$.links.web', '$.createdAt', '$.updatedAt',
            '$.impactEndDate', '$.status', '$.priority', '$.tags',
            '$.extraProperties.runbook_url', '$.extraProperties.runbook', '$.serviceId',
            '$.impactedServices[0]', '$.ownerTeam'
        ]) as j
    from raw_objects
    where source = 'opsgenie' and object_type = 'incident' and deleted_at is null
),

renamed as (
    select
        object_id as source_id,
        j[1] ->> '$' as tiny_id,
        j[2] ->> '$' as title,
        j[3] ->> '$' as url,
        j[4] ->> '$' as created_at_raw,
        try_cast(j[4] ->> '$' as timestamptz) as created_at,
        try_cast(j[5] ->> '$' as timestamptz) as updated_at,
        try_cast(j[6] ->> '$' as timestamptz) as impact_end_at,
        j[7] ->> '$' as status,
        j[8] ->> '$' as priority,
        coalesce(try_cast(j[9] as varchar[]), []) as tags,
        j[10] ->> '$' as extra_runbook_url,
        j[11] ->> '$' as extra_runbook,
        coalesce(j[12] ->> '$', j[13] ->> '$') as service_ref,
        nullif(j[14] ->> '$', '') as team_id,
        fetched_at
    from source
)

select * from renamed
