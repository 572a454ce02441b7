-- One row per PagerDuty log entry (GET /log_entries or /incidents/{id}/log_entries).
-- Log entries render in the account's time zone: the cast keeps the offset, so all is UTC here.
with source as (
    select object_id, parent_id, payload
    from raw_objects
    where source = 'pagerduty' and object_type = 'log_entry' and deleted_at is null
),

renamed as (
    select
        object_id as log_entry_id,
        coalesce(payload -> 'incident' ->> 'id', parent_id) as incident_id,
        -- the spec's enum says acknowledgement_log_entry, the API says acknowledge_log_entry
        replace(payload ->> 'type', 'acknowledgement_log_entry', 'acknowledge_log_entry')
            as entry_type,
        try_cast(payload ->> 'created_at' as timestamptz) as created_at,
        payload ->> 'created_at' as created_at_raw,
        coalesce(payload -> 'agent' ->> 'summary', payload -> 'agent' ->> 'type') as agent,
        payload ->> 'summary' as summary,
        payload -> 'contexts' as contexts,
        payload -> 'channel' as channel
    from source
)

select * from renamed
