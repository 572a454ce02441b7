-- On-call load (docs/kpis.md §10) per bucket: interruptions by class (business, off, sleep
-- hours), the people interrupted, the most interruptions one person had, and the sleep-hour
-- share. $dimension = 'service' | 'team' | 'source' splits it by the incident's; people are
-- never a dimension here (per-person figures are sql/kpis/oncall_people.sql).
with interruptions as (
    select
        *,
        bucket_of(notified_date, $since, $grain) as bucket,
        case $dimension
            when 'service' then service
            when 'team' then team
            when 'source' then source
        end as dimension_value
    from period_interruptions($since, $until, $severities, $services, $teams, $sources)
),

per_person as (
    select bucket, dimension_value, person_id, count(*) as interruptions
    from interruptions
    group by bucket, dimension_value, person_id
),

counted as (
    select
        bucket,
        dimension_value,
        count(*) as interruptions,
        count(*) filter (where interruption_class = 'business_hours') as business_hours,
        count(*) filter (where interruption_class = 'off_hours') as off_hours,
        count(*) filter (where interruption_class = 'sleep_hours') as sleep_hours,
        count(distinct person_id) as people
    from interruptions
    group by bucket, dimension_value
),

most as (
    select bucket, dimension_value, max(interruptions) as max_per_person
    from per_person
    group by bucket, dimension_value
),

rows as (
    select buckets.bucket, counted.* exclude (bucket), most.max_per_person
    from period_buckets($since, $until, $grain) as buckets
    left join counted on counted.bucket = buckets.bucket
    left join most
        on most.bucket = counted.bucket
        and most.dimension_value is not distinct from counted.dimension_value
    where $dimension is null or counted.bucket is not null
)

select
    bucket,
    dimension_value,
    coalesce(interruptions, 0) as interruptions,
    coalesce(business_hours, 0) as business_hours,
    coalesce(off_hours, 0) as off_hours,
    coalesce(sleep_hours, 0) as sleep_hours,
    coalesce(people, 0) as people,
    coalesce(max_per_person, 0) as max_per_person,
    sleep_hours / nullif(interruptions, 0) as sleep_hours_share
from rows
order by bucket, interruptions desc, dimension_value
