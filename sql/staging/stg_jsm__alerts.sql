-- One row per JSM Operations alert (GET /v1/alerts, or GET /v1/alerts/{id} when the list lacked
-- a field a KPI reads). Public sources spell some fields two ways, and both are read: the
-- spec's top-level ISO ackTime / closeTime, or Opsgenie's report.ackTime / closeTime in
-- milliseconds after createdAt (a number at the top level is read that way too);
-- extraProperties or details; lastOccuredAt (sic, the spec) or lastOccurredAt. The *_spelling
-- columns say which one each alert used (health/jsm_field_spellings).
-- One parse per payload: json_extract with a list of paths gives each field as a JSON value
-- (null when absent, JSON null when null: the spellings tell them apart).
with source as (
    select
        object_id,
        fetched_at,
        json_extract(payload, [
            '$.tinyId', '$.alias', '$.message', '$.description', '$.entity', '$.createdAt',
            '$.updatedAt', '$.ackTime', '$.closeTime', '$.report.ackTime', '$.report.closeTime',
            '$.lastOccuredAt', '$.lastOccurredAt', '$.status', '$.priority', '$.count', '$.tags',
            '$.extraProperties', '$.details', '$.responders', '$.teams[0].id'
        ]) as j
    from raw_objects
    where source = 'jsm' and object_type = 'alert' and deleted_at is null
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
        try_cast(j[7] ->> '$' as timestamptz) as updated_at,
        case when json_type(j[8]) = 'VARCHAR'
            then try_cast(j[8] ->> '$' as timestamptz) end as ack_time_at,
        case when json_type(j[9]) = 'VARCHAR'
            then try_cast(j[9] ->> '$' as timestamptz) end as close_time_at,
        coalesce(
            try_cast(j[10] ->> '$' as bigint),
            case when json_type(j[8]) in ('UBIGINT', 'BIGINT', 'DOUBLE')
                then try_cast(j[8] ->> '$' as bigint) end
        ) as ack_time_ms,
        coalesce(
            try_cast(j[11] ->> '$' as bigint),
            case when json_type(j[9]) in ('UBIGINT', 'BIGINT', 'DOUBLE')
                then try_cast(j[9] ->> '$' as bigint) end
        ) as close_time_ms,
        coalesce(
            try_cast(j[12] ->> '$' as timestamptz),
            try_cast(j[13] ->> '$' as timestamptz)
        ) as last_occurred_at,
        ---------- state
        j[14] ->> '$' as status,
        j[15] ->> '$' as priority,
        try_cast(j[16] ->> '$' as bigint) as alert_count,
        coalesce(try_cast(j[17] as varchar[]), []) as tags,
        coalesce(j[18], j[19]) as properties,
        ---------- ownership: the first team responder, or teams[] where a payload has it
        coalesce(
            list_filter(
                try_cast(coalesce(j[20], '[]') as json[]),
                lambda r: r ->> 'type' = 'team'
            )[1] ->> 'id',
            j[21] ->> '$'
        ) as team_id,
        ---------- which spelling the payload used (null: the field is absent)
        case
            when json_type(j[8]) = 'VARCHAR' or json_type(j[9]) = 'VARCHAR' then 'jsm'
            when (j[10] ->> '$') is not null
                or (j[11] ->> '$') is not null
                or j[8] is not null
                or j[9] is not null then 'opsgenie'
        end as times_spelling,
        case
            when j[18] is not null then 'jsm'
            when j[19] is not null then 'opsgenie'
        end as properties_spelling,
        case
            when j[12] is not null then 'jsm'
            when j[13] is not null then 'opsgenie'
        end as last_occurred_spelling,
        fetched_at
    from source
)

select
    *,
    created_at + to_milliseconds(ack_time_ms) as report_ack_at,
    created_at + to_milliseconds(close_time_ms) as report_close_at
from renamed
