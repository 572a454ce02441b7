-- Per incident source: incidents, those with a notification naming a person, interruptions,
-- and notifications whose incident is not in the warehouse (docs/kpis.md §10, data health).
select * from notification_coverage order by source
