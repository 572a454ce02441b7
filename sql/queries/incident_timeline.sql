-- One incident's timeline: the source's events (trigger, ack, escalations, resolve, ...), plus
-- the incident's own created/acknowledged/resolved instants when the source sent no such event
-- (Opsgenie alert reports carry times without log lines). Offsets from creation in seconds.
-- Parameter: $incident_key.
with settings as (
    select timezone from cfg_settings
),

incident as (
    select incident_key, created_at, acknowledged_at, resolved_at
    from incidents
    where incident_key = $incident_key
),

events as (
    select event_at, kind, actor, detail, 'event' as origin
    from incident_events
    where incident_key = $incident_key
),

own as (
    select created_at as event_at, 'triggered' as kind, null as actor, null as detail,
        'incident' as origin
    from incident
    where created_at is not null
      and not exists (select 1 from events where kind = 'triggered')
    union all
    select acknowledged_at, 'acknowledged', null, null, 'incident'
    from incident
    where acknowledged_at is not null
      and not exists (select 1 from events where kind = 'acknowledged')
    union all
    select resolved_at, 'resolved', null, null, 'incident'
    from incident
    where resolved_at is not null
      and not exists (select 1 from events where kind = 'resolved')
)

select
    all_events.event_at,
    timezone(settings.timezone, all_events.event_at) as event_local,
    epoch(all_events.event_at) - epoch(incident.created_at) as offset_seconds,
    all_events.kind,
    all_events.actor,
    all_events.detail,
    all_events.origin
from (select * from events union all select * from own) as all_events
cross join settings
cross join incident
order by all_events.event_at, all_events.kind
