-- On-call load per person (docs/kpis.md §10), for the app and the review only (people are
-- never a Prometheus label): interruptions by class and the sleep-hour share, the most woken
-- first. The person is named as the source names them (the name of their first interruption
-- in the period).
select
    person_id,
    arg_min(person, notified_at) as person,
    string_agg(distinct source, ', ' order by source) as sources,
    count(*) as interruptions,
    count(*) filter (where interruption_class = 'business_hours') as business_hours,
    count(*) filter (where interruption_class = 'off_hours') as off_hours,
    count(*) filter (where interruption_class = 'sleep_hours') as sleep_hours,
    count(*) filter (where interruption_class = 'sleep_hours') / count(*) as sleep_hours_share
from period_interruptions($since, $until, $severities, $services, $teams, $sources)
group by person_id
order by sleep_hours desc, interruptions desc, person, person_id
