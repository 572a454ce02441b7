-- Incidents open at $as_of and already past a target (docs/kpis.md §3, §9): whatever week they
-- were created in, the briefing's "open and breaching now". is_breaching = older than the
-- severity's resolve target (the breaching_open KPI's predicate); is_unacked_over = open,
-- unacknowledged and older than the ack target (unacked_over_target). Merged incidents are
-- duplicates and left out. Parameters: $as_of, filters.
with open_incidents as (
    select
        *,
        epoch(cast($as_of as timestamptz)) - epoch(created_at) as age_seconds
    from period_incidents(date '0001-01-01', date '9999-12-31',
                          $severities, $services, $teams, $sources)
    where not is_merged and is_open and created_at <= cast($as_of as timestamptz)
)

select
    open_incidents.incident_key,
    open_incidents.title,
    open_incidents.url,
    open_incidents.severity,
    open_incidents.service,
    open_incidents.team,
    open_incidents.created_local,
    open_incidents.is_acknowledged,
    open_incidents.age_seconds,
    open_incidents.ack_target_seconds,
    open_incidents.resolve_target_seconds,
    coalesce(open_incidents.age_seconds > open_incidents.resolve_target_seconds, false)
        as is_breaching,
    coalesce(
        not open_incidents.is_acknowledged
        and open_incidents.age_seconds > open_incidents.ack_target_seconds,
        false
    ) as is_unacked_over
from open_incidents
left join cfg_severities as severity_order using (severity)
where open_incidents.age_seconds > open_incidents.resolve_target_seconds
   or (not open_incidents.is_acknowledged
       and open_incidents.age_seconds > open_incidents.ack_target_seconds)
order by severity_order.rank nulls last, open_incidents.created_at, open_incidents.incident_key
