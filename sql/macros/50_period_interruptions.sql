-- The interruptions of a period (the notification's local date in [since, until), docs/kpis.md
-- §10), narrowed by the optional filters through their incident (a null list: no filter).
-- Merged incidents are included: the person was woken anyway.
create or replace temp macro period_interruptions(since, until, severities, services, teams,
                                                  sources)
as table
select *
from interruptions
where notified_date >= since
  and notified_date < until
  and (severities is null or list_contains(severities, severity))
  and (services is null or list_contains(services, service))
  and (teams is null or list_contains(teams, team))
  and (sources is null or list_contains(sources, source))
