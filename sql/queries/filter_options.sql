-- The values the sidebar filters offer, from the incidents in the snapshot: one row per
-- (field, value), ordered for display.
select 'severity' as field, severity as value
from (select distinct severity from incidents where severity is not null)
union all
select 'service', service
from (select distinct service from incidents where service is not null)
union all
select 'team', team
from (select distinct team from incidents where team is not null)
union all
select 'source', source
from (select distinct source from incidents where source is not null)
order by field, value
