-- The most recent sync runs, newest first. Parameter: $limit.
with settings as (
    select timezone from cfg_settings
)

select
    sync_runs.run_id,
    sync_runs.source,
    timezone(settings.timezone, sync_runs.started_at) as started_local,
    timezone(settings.timezone, sync_runs.finished_at) as finished_local,
    epoch(sync_runs.finished_at) - epoch(sync_runs.started_at) as duration_seconds,
    sync_runs.status,
    sync_runs.full_sync,
    sync_runs.records,
    sync_runs.error
from sync_runs
cross join settings
order by sync_runs.started_at desc, sync_runs.source
limit $limit
