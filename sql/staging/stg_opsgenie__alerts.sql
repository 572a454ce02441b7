-- One row per Opsgenie alert (GET /v2/alerts, or GET /v2/alerts/{id} which adds details and
-- description). report.ackTime / closeTime are milliseconds after createdAt.
with source as (
    select object_id, payload, fetched_at
    from raw_objects
    where source = 'opsgenie' and object_type = 'alert' and deleted_at is null
),

renamed as (
    select
        ---------- ids
        object_id as source_id,
        payload ->> 'tinyId' as tiny_id,
        nullif(payload ->> 'alias', '') as alias,
        payload ->> 'message' as title,
        payload ->> 'description' as description,
        payload ->> 'entity' as entity,
        ---------- timestamps
        payload ->> 'createdAt' as created_at_raw,
        try_cast(payload ->> 'createdAt' as timestamptz) as created_at,
        try_cast(payload -> 'report' ->> 'ackTime' as bigint) as ack_time_ms,
        try_cast(payload -> 'report' ->> 'closeTime' as bigint) as close_time_ms,
        try_cast(payload ->> 'updatedAt' as timestamptz) as updated_at,
        ---------- state
        payload ->> 'status' as status,
        payload ->> 'priority' as priority,
        coalesce(try_cast(payload -> 'tags' as varchar[]), []) as tags,
        payload -> 'details' as details,
        ---------- ownership: the first team responder, or teams[] in real payloads
        coalesce(
            list_filter(
                try_cast(coalesce(payload -> 'responders', '[]') as json[]),
                lambda r: r ->> 'type' = 'team'
            )[1] ->> 'id',
            payload -> 'teams' -> 0 ->> 'id'
        ) as team_id,
        fetched_at
    from source
)

select
    *,
    created_at + to_milliseconds(ack_time_ms) as report_ack_at,
    created_at + to_milliseconds(close_time_ms) as report_close_at
from renamed
