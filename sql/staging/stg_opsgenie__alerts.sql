-- One row per Opsgenie alert (GET /v2/alerts, or GET /v2/alerts/{id} which adds details and
-- description). report.ackTime / closeTime are milliseconds after createdAt.
-- One parse per payload: json_extract with a list of paths (JSON values, exact for the lists),
-- the strings read from the small extracted values; of details only the service and runbook.
with source as (
    select
        object_id,
        fetched_at,
        json_extract(payload, [
            '$.tinyId', '$.alias', '$.message', '$.description', '$.entity', '$.createdAt',
            '$.report.ackTime', '$.report.closeTime', '$.updatedAt', '$.status', '$.priority',
            '$.tags', '$.details.service', '$.details.runbook_url', '$.details.runbook',
            '$.responders', '$.teams[0].id'
        ]) as j
    from raw_objects
    where source = 'opsgenie' and object_type = 'alert' and deleted_at is null
),

renamed as (
    select
        ---------- ids
        object_id as source_id,
        j[1] ->> '$' as tiny_id,
        nullif(j[2] ->> '$', '') as alias,
        j[3] ->> '$' as title,
        j[4] ->> '$' as description,
        j[5] ->> '$' as entity,
        ---------- timestamps
        j[6] ->> '$' as created_at_raw,
        try_cast(j[6] ->> '$' as timestamptz) as created_at,
        try_cast(j[7] ->> '$' as bigint) as ack_time_ms,
        try_cast(j[8] ->> '$' as bigint) as close_time_ms,
        try_cast(j[9] ->> '$' as timestamptz) as updated_at,
        ---------- state
        j[10] ->> '$' as status,
        j[11] ->> '$' as priority,
        coalesce(try_cast(j[12] as varchar[]), []) as tags,
        j[13] ->> '$' as details_service,
        j[14] ->> '$' as details_runbook_url,
        j[15] ->> '$' as details_runbook,
        ---------- ownership: the first team responder, or teams[] in real payloads
        coalesce(
            list_filter(
                try_cast(coalesce(j[16], '[]') as json[]),
                lambda r: r ->> 'type' = 'team'
            )[1] ->> 'id',
            j[17] ->> '$'
        ) as team_id,
        fetched_at
    from source
)

select
    *,
    created_at + to_milliseconds(ack_time_ms) as report_ack_at,
    created_at + to_milliseconds(close_time_ms) as report_close_at
from renamed
