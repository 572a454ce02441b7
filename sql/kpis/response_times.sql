-- MTTA/MTTR and SLA compliance (docs/kpis.md §3): one row per bucket and severity
-- present, plus an 'all' row per bucket. Optional extra dimension ($dimension: service, team,
-- source) splits each row further. Durations in seconds; null where nothing is measurable.
-- Parameters: $since, $until (dates), $as_of, $grain, $dimension, $severities, $services,
-- $teams, $sources.
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
),

measured as (
    select
        *,
        not is_merged as counts,
        not is_merged and tta_seconds is not null and ack_target_seconds is not null
            as has_ack_target,
        not is_merged and ttr_seconds is not null and resolve_target_seconds is not null
            as has_resolve_target,
        epoch(cast($as_of as timestamptz)) - epoch(created_at) as age_seconds
    from incidents
),

grouped as (
    select
        bucket,
        dimension_value,
        coalesce(severity, 'all') as severity,
        count(*) filter (where counts) as incidents,
        count(*) filter (where is_merged) as merged,
        count(*) filter (where counts and is_acknowledged) as acknowledged,
        count(*) filter (where counts and not is_acknowledged) as unacknowledged,
        count(*) filter (where counts and not is_open) as resolved,
        count(*) filter (where counts and is_open) as open,
        ---------- time to acknowledge
        count(tta_seconds) filter (where counts) as tta_n,
        avg(tta_seconds) filter (where counts) as tta_mean,
        quantile_cont(tta_seconds, 0.5) filter (where counts) as tta_median,
        quantile_cont(tta_seconds, 0.9) filter (where counts) as tta_p90,
        quantile_cont(tta_seconds, 0.95) filter (where counts) as tta_p95,
        max(tta_seconds) filter (where counts) as tta_max,
        ---------- time to resolve
        count(ttr_seconds) filter (where counts) as ttr_n,
        avg(ttr_seconds) filter (where counts) as ttr_mean,
        quantile_cont(ttr_seconds, 0.5) filter (where counts) as ttr_median,
        quantile_cont(ttr_seconds, 0.9) filter (where counts) as ttr_p90,
        quantile_cont(ttr_seconds, 0.95) filter (where counts) as ttr_p95,
        max(ttr_seconds) filter (where counts) as ttr_max,
        ---------- SLA compliance: each incident against its own severity's target
        count(*) filter (where has_ack_target) as ack_sla_n,
        count(*) filter (where has_ack_target and tta_seconds <= ack_target_seconds)
            as ack_sla_met,
        count(*) filter (where has_resolve_target) as resolve_sla_n,
        count(*) filter (where has_resolve_target and ttr_seconds <= resolve_target_seconds)
            as resolve_sla_met,
        ---------- open now, judged at as_of
        max(resolve_target_seconds) is not null as has_resolve_targets,
        max(ack_target_seconds) is not null as has_ack_targets,
        count(*) filter (
            where counts and is_open and age_seconds > resolve_target_seconds
        ) as breaching_open_count,
        count(*) filter (
            where counts and is_open and not is_acknowledged and age_seconds > ack_target_seconds
        ) as unacked_over_target_count
    from measured
    group by grouping sets ((bucket, dimension_value, severity), (bucket, dimension_value))
),

buckets as (
    select bucket from period_buckets($since, $until, $grain)
),

with_empty_buckets as (
    -- every bucket has its 'all' row, even when no incident fell in it
    select
        buckets.bucket,
        grouped.* exclude (bucket)
    from buckets
    left join grouped on grouped.bucket = buckets.bucket
)

select
    bucket,
    dimension_value,
    coalesce(severity, 'all') as severity,
    coalesce(incidents, 0) as incidents,
    coalesce(merged, 0) as merged,
    coalesce(acknowledged, 0) as acknowledged,
    coalesce(unacknowledged, 0) as unacknowledged,
    coalesce(resolved, 0) as resolved,
    coalesce(open, 0) as open,
    coalesce(tta_n, 0) as tta_n,
    tta_mean,
    tta_median,
    tta_p90,
    tta_p95,
    tta_max,
    coalesce(ttr_n, 0) as ttr_n,
    ttr_mean,
    ttr_median,
    ttr_p90,
    ttr_p95,
    ttr_max,
    coalesce(ack_sla_n, 0) as ack_sla_n,
    ack_sla_met / nullif(ack_sla_n, 0) as ack_sla_compliance,
    coalesce(resolve_sla_n, 0) as resolve_sla_n,
    resolve_sla_met / nullif(resolve_sla_n, 0) as resolve_sla_compliance,
    -- counts of the severities with targets; the pooled row sums sev1–3, so it is a count even
    -- when none of them is open (0, never null: docs/kpis.md §3)
    case
        when has_resolve_targets then breaching_open_count
        when coalesce(severity, 'all') = 'all' then coalesce(breaching_open_count, 0)
    end as breaching_open,
    case
        when has_ack_targets then unacked_over_target_count
        when coalesce(severity, 'all') = 'all' then coalesce(unacked_over_target_count, 0)
    end as unacked_over_target
from with_empty_buckets
-- severities in the vocabulary's order, the pooled row (severity null here) after them
left join cfg_severities as severity_order using (severity)
order by
    bucket,
    dimension_value nulls first,
    severity_order.rank nulls last
