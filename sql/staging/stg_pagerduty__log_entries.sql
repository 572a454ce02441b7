-- One row per PagerDuty log entry (GET /log_entries or /incidents/{id}/log_entries).
-- Log entries render in the account's time zone: the cast keeps the offset, so all is UTC here.
-- Each payload is parsed once (json_extract_string with a list of paths reads the document
-- once; each ->> would parse it again), and only what a model reads is kept: of the channel,
-- the runbook of its details (the trigger entry's copy of the first alert's custom details).
with source as (
    select
        object_id,
        parent_id,
        json_extract_string(payload, [
            '$.incident.id', '$.type', '$.created_at', '$.agent.summary', '$.agent.type',
            '$.summary', '$.user.id', '$.user.summary', '$.contexts',
            '$.channel.details.runbook_url', '$.channel.details.runbook'
        ]) as f
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
        f[9] as contexts,  -- JSON text of the contexts array (links)
        f[10] as details_runbook_url,
        f[11] as details_runbook,
        -- notify_log_entry: the person notified (docs/kpis.md §10)
        f[7] as user_id,
        f[8] as user_name
    from source
)

select * from renamed
