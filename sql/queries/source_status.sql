-- Per configured source: its last success and last failure, and what readers see of it
-- (docs/operations.md). A source's run is one transaction, so the published data of a source
-- is always that of its last successful run:
--   'ok'      its last finished run succeeded
--   'failed'  its last finished run failed: readers see the last successful run's data
--   'never'   no run has succeeded: the source is absent
-- Whether the data is stale (too old, or not from the last run) is judged at the reader's as-of
-- time against stale_after_seconds ([sync] stale_after), in metrics/sources.py. A query over the
-- served sync_runs and cfg_sources rather than a model: the snapshot's models hold no run
-- bookkeeping.
with runs as (
    select
        source,
        max(finished_at) filter (where status = 'success') as last_success_at,
        max(finished_at) filter (where status = 'failed') as last_failure_at,
        arg_max(error, finished_at) filter (where status = 'failed') as last_error,
        arg_max(status, finished_at) filter (where status in ('success', 'failed'))
            as last_status
    from sync_runs
    group by source
)

select
    cfg_sources.source,
    cfg_sources.position,
    runs.last_success_at,
    runs.last_failure_at,
    runs.last_error,
    case
        when runs.last_success_at is null then 'never'
        when runs.last_status = 'failed' then 'failed'
        else 'ok'
    end as status,
    cfg_sources.stale_after_seconds
from cfg_sources
left join runs using (source)
order by cfg_sources.position
