-- The buckets a KPI is reported in: the whole period (one bucket labelled by its first day), or
-- its ISO weeks (Monday dates) when grain = 'week'.
create or replace temp macro period_buckets(since, until, grain) as table
select cast(bucket_start as date) as bucket
from (
    select unnest(
        case
            when grain = 'week' then generate_series(
                cast(date_trunc('week', cast(since as date)) as date),
                cast(until as date) - 1,
                interval 7 day
            )
            else [cast(since as timestamp)]
        end
    ) as bucket_start
)
