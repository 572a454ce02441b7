-- Rejected records per source and object type (raw_rejects): those a next run fetches again,
-- and those quarantined for good after [sync] reject_retries runs rejected them again
-- (etl/warehouse/landing.py, settle_rejects). Snapshot sources (postmortem files, the actions
-- CSV) re-read every file on every run: their rejects are never quarantined.
select
    source,
    object_type,
    count(*) as rejected,
    count(*) filter (where quarantined_at is null) as retrying,
    count(*) filter (where quarantined_at is not null) as quarantined,
    max(attempts) as max_attempts
from raw_rejects
group by all
order by source, object_type
