-- One row per JSM Operations alert (GET /v1/alerts, or GET /v1/alerts/{id} when the list lacked
-- a field a KPI reads). Public sources spell some fields two ways, and both are read: the
-- spec's top-level ISO ackTime / closeTime, or Opsgenie's report.ackTime / closeTime in
-- milliseconds after createdAt (a number at the top level is read that way too);
-- extraProperties or details; lastOccuredAt (sic, the spec) or lastOccurredAt. The *_spelling
-- columns say which one each alert used (health/jsm_field_spellings).
with source as (
    select object_id, payload, fetched_at
    from raw_objects
    where source = 'jsm' and object_type = 'alert' and deleted_at is null
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
        try_cast(payload ->> 'updatedAt' as timestamptz) as updated_at,
        case when json_type(payload -> 'ackTime') = 'VARCHAR'
            then try_cast(payload ->> 'ackTime' as timestamptz) end as ack_time_at,
        case when json_type(payload -> 'closeTime') = 'VARCHAR'
            then try_cast(payload ->> 'closeTime' as timestamptz) end as close_time_at,
        coalesce(
            try_cast(payload -> 'report' ->> 'ackTime' as bigint),
            case when json_type(payload -> 'ackTime') in ('UBIGINT', 'BIGINT', 'DOUBLE')
                then try_cast(payload ->> 'ackTime' as bigint) end
        ) as ack_time_ms,
        coalesce(
            try_cast(payload -> 'report' ->> 'closeTime' as bigint),
            case when json_type(payload -> 'closeTime') in ('UBIGINT', 'BIGINT', 'DOUBLE')
                then try_cast(payload ->> 'closeTime' as bigint) end
        ) as close_time_ms,
        coalesce(
            try_cast(payload ->> 'lastOccuredAt' as timestamptz),
            try_cast(payload ->> 'lastOccurredAt' as timestamptz)
        ) as last_occurred_at,
        ---------- state
        payload ->> 'status' as status,
        payload ->> 'priority' as priority,
        try_cast(payload ->> 'count' as bigint) as alert_count,
        coalesce(try_cast(payload -> 'tags' as varchar[]), []) as tags,
        coalesce(payload -> 'extraProperties', payload -> 'details') as properties,
        ---------- ownership: the first team responder, or teams[] where a payload has it
        coalesce(
            list_filter(
                try_cast(coalesce(payload -> 'responders', '[]') as json[]),
                lambda r: r ->> 'type' = 'team'
            )[1] ->> 'id',
            payload -> 'teams' -> 0 ->> 'id'
        ) as team_id,
        ---------- which spelling the payload used (null: the field is absent)
        case
            when json_type(payload -> 'ackTime') = 'VARCHAR'
                or json_type(payload -> 'closeTime') = 'VARCHAR' then 'jsm'
            when (payload -> 'report' ->> 'ackTime') is not null
                or (payload -> 'report' ->> 'closeTime') is not null
                or (payload -> 'ackTime') is not null
                or (payload -> 'closeTime') is not null then 'opsgenie'
        end as times_spelling,
        case
            when (payload -> 'extraProperties') is not null then 'jsm'
            when (payload -> 'details') is not null then 'opsgenie'
        end as properties_spelling,
        case
            when (payload -> 'lastOccuredAt') is not null then 'jsm'
            when (payload -> 'lastOccurredAt') is not null then 'opsgenie'
        end as last_occurred_spelling,
        fetched_at
    from source
)

select
    *,
    created_at + to_milliseconds(ack_time_ms) as report_ack_at,
    created_at + to_milliseconds(close_time_ms) as report_close_at
from renamed
