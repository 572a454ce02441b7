-- Per incident source: how many of its incidents have a notification naming a person, so the
-- data-health view can say which sources give no on-call data (docs/kpis.md §10). Every
-- source with incidents has a row, zeros included.
with sources as (
    select distinct source from incidents
),

per_incident as (
    select
        incidents.source,
        incidents.incident_key,
        count(interruptions.person_id) as interruptions
    from incidents
    left join interruptions using (incident_key)
    group by incidents.source, incidents.incident_key
),

unmatched as (
    -- notifications whose incident is not in the warehouse: not counted, but shown
    select source, count(*) as notifications
    from int_notifications
    where incident_key not in (select incident_key from incidents)
    group by source
)

select
    sources.source,
    count(per_incident.incident_key) as incidents,
    count(per_incident.incident_key) filter (where per_incident.interruptions > 0)
        as incidents_notified,
    coalesce(sum(per_incident.interruptions), 0)::bigint as interruptions,
    coalesce(max(unmatched.notifications), 0)::bigint as notifications_without_incident
from sources
left join per_incident using (source)
left join unmatched using (source)
group by sources.source
order by sources.source
