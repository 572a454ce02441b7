-- Alert noise (docs/kpis.md §11) per bucket, over the period's non-merged incidents:
-- resolved but never acknowledged (share over resolved), flapping (resolved within
-- [noise] flap_window of creation, never acknowledged; share over incidents), and the mean
-- number of alerts grouped into an incident over those whose source gives the count.
-- $dimension = 'service' | 'team' | 'source' splits it (the noisiest services).
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
        count(*) filter (where not is_open) as resolved,
        count(*) filter (where not is_open and not is_acknowledged) as resolved_unacknowledged,
        -- a valid ttr only: a resolve before creation or in the future is no evidence
        count(*) filter (
            where not is_acknowledged
              and ttr_seconds <= (select flap_window_seconds from cfg_noise)
        ) as flapping,
        avg(alert_count) as alerts_per_incident
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
    coalesce(resolved, 0) as resolved,
    coalesce(resolved_unacknowledged, 0) as resolved_unacknowledged,
    resolved_unacknowledged / nullif(resolved, 0) as resolved_unacknowledged_share,
    coalesce(flapping, 0) as flapping,
    flapping / nullif(incidents, 0) as flapping_share,
    alerts_per_incident
from rows
order by bucket, flapping desc, incidents desc, dimension_value
