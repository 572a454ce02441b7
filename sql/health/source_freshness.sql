-- Per source: the last run, the last successful run and the newest object landed.
with runs as (
    select
        source,
        max(finished_at) filter (where status = 'success') as last_success_at,
        arg_max(status, started_at) as last_status,
        arg_max(error, started_at) as last_error,
        arg_max(epoch(finished_at) - epoch(started_at), started_at) as last_duration_seconds,
        arg_max(records, started_at) as last_records,
        count(*) filter (where status = 'failed') as failed_runs
    from sync_runs
    group by source
),

landed as (
    select source, max(fetched_at) as last_fetched_at, count(*) as objects
    from raw_objects
    where deleted_at is null
    group by source
)

select
    coalesce(runs.source, landed.source) as source,
    runs.last_success_at,
    runs.last_status,
    runs.last_error,
    runs.last_duration_seconds,
    runs.last_records,
    coalesce(runs.failed_runs, 0) as failed_runs,
    landed.last_fetched_at,
    coalesce(landed.objects, 0) as objects
from runs
full outer join landed using (source)
