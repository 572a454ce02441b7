-- Records that could not be used as they are, with the reason (health/data_quality_issues).
select entity, object_key, field, problem, detail
from data_quality_issues
order by entity, problem, object_key
