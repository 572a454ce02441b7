-- Opsgenie / JSM Operations records left out by continuity, per reason (health/jsm_continuity).
select source, reason, records, with_twin
from jsm_continuity
order by source, reason
