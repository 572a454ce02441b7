-- The incidents of a period (created_at in [since, until) in the reporting time zone), narrowed
-- by the optional filters (a null list means "no filter"). Merged incidents are included, with
-- is_merged, because KPIs count them apart.
create or replace temp macro period_incidents(since, until, severities, services, teams, sources)
as table
select *
from incidents
where created_date >= since
  and created_date < until
  and (severities is null or list_contains(severities, severity))
  and (services is null or list_contains(services, service))
  and (teams is null or list_contains(teams, team))
  and (sources is null or list_contains(sources, source))
