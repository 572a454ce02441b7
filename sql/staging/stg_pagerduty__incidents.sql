-- One row per PagerDuty incident, as GET /incidents returns it (latest version landed).
-- Renames and casts only; acknowledgements[] is deliberately ignored: PagerDuty empties it on
-- resolve, so the first ack comes from acknowledge log entries (int_pagerduty__incidents).
with source as (
    -- one parse per payload: json_extract_string with a list of paths reads the document once
    -- (each ->> parses it again: 4x slower at a million incidents)
    select
        object_id,
        fetched_at,
        json_extract_string(payload, [
            '$.incident_number', '$.title', '$.summary', '$.html_url', '$.created_at',
            '$.resolved_at', '$.last_status_change_at', '$.status', '$.urgency',
            '$.priority.name', '$.priority.summary', '$.service.id', '$.service.summary',
            '$.service.name', '$.teams[0].summary', '$.teams[0].name', '$.resolve_reason.type',
            '$.resolve_reason.incident.id', '$.alert_counts.all'
        ]) as f
    from raw_objects
    where source = 'pagerduty' and object_type = 'incident' and deleted_at is null
),

renamed as (
    select
        ---------- ids
        object_id as source_id,
        f[1] as incident_number,
        coalesce(f[2], f[3]) as title,
        f[4] as url,
        ---------- timestamps (raw text kept for the data-health view)
        f[5] as created_at_raw,
        try_cast(f[5] as timestamptz) as created_at,
        f[6] as resolved_at_raw,
        try_cast(f[6] as timestamptz) as resolved_at,
        try_cast(f[7] as timestamptz) as last_status_change_at,
        ---------- state
        f[8] as status,
        f[9] as urgency,
        coalesce(f[10], f[11]) as priority,
        ---------- ownership
        f[12] as service_id,
        coalesce(f[13], f[14]) as service,
        coalesce(f[15], f[16]) as team,
        ---------- merges
        coalesce(f[17] = 'merge_resolve_reason', false) as is_merged,
        f[18] as merged_into_id,
        ---------- alerts grouped into it (docs/kpis.md §11)
        try_cast(f[19] as bigint) as alert_count,
        fetched_at
    from source
)

select * from renamed
