-- Root-cause frequency (docs/kpis.md §4): every taxonomy key in every bucket, zeros
-- included; share of the bucket's incidents (merged excluded), null when there are none.
with incidents as (
    select *, bucket_of(created_date, $since, $grain) as bucket
    from period_incidents($since, $until, $severities, $services, $teams, $sources)
    where not is_merged
),

grid as (
    select buckets.bucket, taxonomy.key as root_cause, taxonomy.label, taxonomy.position
    from period_buckets($since, $until, $grain) as buckets
    cross join cfg_taxonomy as taxonomy
),

counted as (
    select bucket, root_cause, count(*) as incidents
    from incidents
    group by bucket, root_cause
),

totals as (
    select bucket, count(*) as total from incidents group by bucket
)

select
    grid.bucket,
    grid.root_cause,
    grid.label,
    coalesce(counted.incidents, 0) as incidents,
    coalesce(counted.incidents, 0) / nullif(totals.total, 0) as share
from grid
left join counted using (bucket, root_cause)
left join totals using (bucket)
order by grid.bucket, grid.position
