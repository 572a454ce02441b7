-- JSM Operations teams (GET /v1/teams: platformTeams), to name the team responders of alerts.
select object_id as id, payload ->> 'teamName' as name
from raw_objects
where source = 'jsm' and object_type = 'team' and deleted_at is null
