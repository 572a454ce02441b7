-- Rejected records per source and object type: to fetch again, quarantined (health model).
select source, object_type, rejected, retrying, quarantined, max_attempts
from rejected_records
order by source, object_type
