-- The applications with deploys in a period and the teams those deploys count for under the
-- team filter (docs/kpis.md, "Team filter and deploys"): the configured teams of the services
-- the app is mapped to. `mapping` says whether the mapping decides: 'team' (one team), 'shared'
-- (services of several teams: the deploys count for each of them) or 'none' (no mapped service
-- names a team, or the app is mapped to no service: no team filter ever counts them).
-- The team filter itself is not applied here (that is the question); the service filter is.
-- Parameters: $since, $until, $services.
select
    app,
    teams,
    count(*) as deploys,
    case len(teams) when 0 then 'none' when 1 then 'team' else 'shared' end as mapping
from deploys
where cast(deployed_local as date) >= $since
  and cast(deployed_local as date) < $until
  and ($services is null or list_has_any(services, $services))
group by app, teams
order by app
