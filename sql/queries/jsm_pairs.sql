-- Alerts in both Opsgenie and JSM Operations (health/jsm_opsgenie_pairs), newest first, with
-- local times; $limit caps the list (the page says "showing N of M").
with settings as (
    select timezone from cfg_settings
)

select
    pairs.opsgenie_key,
    pairs.jsm_key,
    pairs.matched_by,
    timezone(settings.timezone, pairs.opsgenie_created_at) as opsgenie_created_local,
    timezone(settings.timezone, pairs.jsm_created_at) as jsm_created_local,
    pairs.gap_seconds,
    pairs.counted_key,
    pairs.reason,
    count(*) over () as total
from jsm_opsgenie_pairs as pairs
cross join settings
order by pairs.jsm_created_at desc, pairs.jsm_key
limit $limit
