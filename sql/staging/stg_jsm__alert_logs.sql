-- One row per JSM Operations alert log line (GET /v1/alerts/{id}/logs). Lines carry no id: the
-- connector keys them by alert, time and a digest of the line, and sets parent_id. The spec
-- spells logTime / logType; Opsgenie's spelling (createdAt / type) is read too. One parse per
-- payload (json_extract: JSON values, null when absent).
with source as (
    select
        object_id,
        parent_id,
        json_extract(payload, [
            '$.log', '$.logType', '$.type', '$.owner', '$.logTime', '$.createdAt'
        ]) as j
    from raw_objects
    where source = 'jsm' and object_type = 'alert_log' and deleted_at is null
),

renamed as (
    select
        object_id as log_id,
        parent_id as alert_id,
        j[1] ->> '$' as log,
        coalesce(j[2] ->> '$', j[3] ->> '$') as log_type,
        j[4] ->> '$' as owner,
        coalesce(
            try_cast(j[5] ->> '$' as timestamptz),
            try_cast(j[6] ->> '$' as timestamptz)
        ) as created_at,
        case
            when j[5] is not null then 'jsm'
            when j[6] is not null then 'opsgenie'
        end as spelling
    from source
)

select
    *,
    regexp_matches(log, '(?i)escalated to next level') as is_escalation,
    regexp_matches(log, '(?i)\backnowledged\b') and not regexp_matches(log, '(?i)unacknowledged')
        as is_ack,
    regexp_matches(log, '(?i)\bclosed\b') as is_close,
    -- "Sent [Mobile] notification to ana@example.com": the person notified
    nullif(regexp_extract(log, '(?i)\bnotification to\s+(\S+)', 1), '') as notified
from renamed
