-- One row per PagerDuty incident, as GET /incidents returns it (latest version landed).
-- Renames and casts only; acknowledgements[] is deliberately ignored: PagerDuty empties it on
-- resolve, so the first ack comes from acknowledge log entries (int_pagerduty__incidents).
with source as (
    select object_id, payload, fetched_at
    from raw_objects
    where source = 'pagerduty' and object_type = 'incident' and deleted_at is null
),

renamed as (
    select
        ---------- ids
        object_id as source_id,
        payload ->> 'incident_number' as incident_number,
        coalesce(payload ->> 'title', payload ->> 'summary') as title,
        payload ->> 'html_url' as url,
        ---------- timestamps (raw text kept for the data-health view)
        payload ->> 'created_at' as created_at_raw,
        try_cast(payload ->> 'created_at' as timestamptz) as created_at,
        payload ->> 'resolved_at' as resolved_at_raw,
        try_cast(payload ->> 'resolved_at' as timestamptz) as resolved_at,
        try_cast(payload ->> 'last_status_change_at' as timestamptz) as last_status_change_at,
        ---------- state
        payload ->> 'status' as status,
        payload ->> 'urgency' as urgency,
        coalesce(payload -> 'priority' ->> 'name', payload -> 'priority' ->> 'summary') as priority,
        ---------- ownership
        payload -> 'service' ->> 'id' as service_id,
        coalesce(payload -> 'service' ->> 'summary', payload -> 'service' ->> 'name') as service,
        coalesce(payload -> 'teams' -> 0 ->> 'summary', payload -> 'teams' -> 0 ->> 'name') as team,
        ---------- merges
        coalesce(payload -> 'resolve_reason' ->> 'type' = 'merge_resolve_reason', false)
            as is_merged,
        payload -> 'resolve_reason' -> 'incident' ->> 'id' as merged_into_id,
        fetched_at
    from source
)

select * from renamed
