-- Opsgenie teams (GET /v2/teams) and services (GET /v1/services), to name ids.
select 'team' as kind, object_id as id, payload ->> 'name' as name
from raw_objects
where source = 'opsgenie' and object_type = 'team' and deleted_at is null
union all
select 'service' as kind, object_id as id, payload ->> 'name' as name
from raw_objects
where source = 'opsgenie' and object_type = 'service' and deleted_at is null
