-- Runbook coverage (docs/kpis.md §6) per bucket; $dimension = 'service' splits it per
-- service so the weekly review sees which services need a runbook.
with incidents as (
    select
        *,
        bucket_of(created_date, $since, $grain) as bucket,
        case $dimension
            when 'service' then service
            when 'team' then team
            when 'source' then source
        end as dimension_value
    from period_incidents($since, $until, $severities, $services, $teams, $sources)
    where not is_merged
),

counted as (
    select
        bucket,
        dimension_value,
        count(*) as incidents,
        count(*) filter (where runbook_url is not null) as with_runbook
    from incidents
    group by bucket, dimension_value
),

rows as (
    select buckets.bucket, counted.* exclude (bucket)
    from period_buckets($since, $until, $grain) as buckets
    left join counted on counted.bucket = buckets.bucket
    where $dimension is null or counted.bucket is not null
)

select
    bucket,
    dimension_value,
    coalesce(incidents, 0) as incidents,
    coalesce(with_runbook, 0) as with_runbook,
    coalesce(incidents, 0) - coalesce(with_runbook, 0) as without_runbook,
    with_runbook / nullif(incidents, 0) as coverage
from rows
order by bucket, without_runbook desc, dimension_value
