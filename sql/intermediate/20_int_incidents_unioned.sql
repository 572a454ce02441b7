-- Every source's incidents in one shape; the marts never branch on the source.
select * from int_pagerduty__incidents
union all by name
select * from int_opsgenie__alert_incidents
union all by name
select * from int_opsgenie__incidents
