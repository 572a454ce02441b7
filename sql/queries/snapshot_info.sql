-- What the published snapshot holds: when it was built, how many incidents and deploys, and
-- the span of incident creation dates (reporting time zone).
select
    (select max(built_at) from build_info) as built_at,
    (select count(*) from incidents) as incidents,
    (select count(*) from deploys) as deploys,
    (select min(created_date) from incidents) as first_incident_date,
    (select max(created_date) from incidents) as last_incident_date,
    (select max(finished_at) from sync_runs where status = 'success') as last_sync_at
