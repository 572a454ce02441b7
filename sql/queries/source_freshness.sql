-- Freshness per source (health/source_freshness), with local times and the age of the last
-- successful run at $as_of.
with settings as (
    select timezone from cfg_settings
)

select
    source_freshness.source,
    timezone(settings.timezone, source_freshness.last_success_at) as last_success_local,
    epoch(cast($as_of as timestamptz)) - epoch(source_freshness.last_success_at)
        as seconds_since_success,
    source_freshness.last_status,
    source_freshness.last_error,
    source_freshness.last_duration_seconds,
    source_freshness.last_records,
    source_freshness.failed_runs,
    timezone(settings.timezone, source_freshness.last_fetched_at) as last_fetched_local,
    source_freshness.objects
from source_freshness
cross join settings
order by source_freshness.source
