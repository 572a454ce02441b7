-- One row per Opsgenie alert log line (GET /v2/alerts/{id}/logs). Log lines carry no id:
-- the connector keys them by alert id and the opaque paging offset, and sets parent_id.
-- One parse per payload (json_extract_string with a list of paths).
with source as (
    select
        object_id,
        parent_id,
        json_extract_string(payload, ['$.log', '$.type', '$.owner', '$.createdAt']) as f
    from raw_objects
    where source = 'opsgenie' and object_type = 'alert_log' and deleted_at is null
),

renamed as (
    select
        object_id as log_id,
        parent_id as alert_id,
        f[1] as log,
        f[2] as log_type,
        f[3] as owner,
        try_cast(f[4] as timestamptz) as created_at
    from source
)

select
    *,
    regexp_matches(log, '(?i)escalated to next level') as is_escalation,
    regexp_matches(log, '(?i)\backnowledged\b') and not regexp_matches(log, '(?i)unacknowledged')
        as is_ack,
    regexp_matches(log, '(?i)\bclosed\b') as is_close
from renamed
