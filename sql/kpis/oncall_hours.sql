-- Interruptions (docs/kpis.md §10) by local weekday (1 = Monday … 7 = Sunday, ISO) and hour of
-- the day in the reporting time zone: the app's heat map. Every (weekday, hour) cell has a
-- row, zeros included.
with cells as (
    select weekday, hour
    from range(1, 8) as w(weekday), range(0, 24) as h(hour)
),

counted as (
    select local_weekday as weekday, local_hour as hour, count(*) as interruptions
    from period_interruptions($since, $until, $severities, $services, $teams, $sources)
    group by local_weekday, local_hour
)

select cells.weekday, cells.hour, coalesce(counted.interruptions, 0) as interruptions
from cells
left join counted using (weekday, hour)
order by cells.weekday, cells.hour
