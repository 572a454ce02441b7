-- Paging (docs/kpis.md §8): acks within the escalation timeout, and the escalation rate.
with incidents as (
    select *, bucket_of(created_date, $since, $grain) as bucket
    from period_incidents($since, $until, $severities, $services, $teams, $sources)
    where not is_merged
),

counted as (
    select
        bucket,
        count(*) as incidents,
        count(tta_seconds) as acknowledged,
        count(*) filter (
            where tta_seconds <= (select paging_timeout_seconds from cfg_settings)
        ) as acked_within,
        count(*) filter (where escalation_count >= 1) as escalated
    from incidents
    group by bucket
)

select
    buckets.bucket,
    coalesce(counted.incidents, 0) as incidents,
    coalesce(counted.acknowledged, 0) as acknowledged,
    counted.acked_within / nullif(counted.acknowledged, 0) as acked_within_paging_window,
    coalesce(counted.escalated, 0) as escalated,
    counted.escalated / nullif(counted.incidents, 0) as escalation_rate
from period_buckets($since, $until, $grain) as buckets
left join counted using (bucket)
order by buckets.bucket
