-- One row per PagerDuty log entry (GET /log_entries or /incidents/{id}/log_entries).
-- Log entries render in the account's time zone: the cast keeps the offset, so all is UTC here.
with source as (
    -- two parses per payload, not ten: json_extract(_string) with a list of paths reads the
    -- document once (each ->> parses it again)
    select
        object_id,
        parent_id,
        json_extract_string(payload, [
            '$.incident.id', '$.type', '$.created_at', '$.agent.summary', '$.agent.type',
            '$.summary', '$.user.id', '$.user.summary'
        ]) as f,
        json_extract(payload, ['$.contexts', '$.channel']) as j
    from raw_objects
    where source = 'pagerduty' and object_type = 'log_entry' and deleted_at is null
),

renamed as (
    select
        object_id as log_entry_id,
        coalesce(f[1], parent_id) as incident_id,
        -- the spec's enum says acknowledgement_log_entry, the API says acknowledge_log_entry
        replace(f[2], 'acknowledgement_log_entry', 'acknowledge_log_entry') as entry_type,
        try_cast(f[3] as timestamptz) as created_at,
        f[3] as created_at_raw,
        coalesce(f[4], f[5]) as agent,
        f[6] as summary,
        j[1] as contexts,
        j[2] as channel,
        -- notify_log_entry: the person notified (docs/kpis.md §10)
        f[7] as user_id,
        f[8] as user_name
    from source
)

select * from renamed
