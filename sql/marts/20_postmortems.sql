-- One row per postmortem file. Severity and root cause as stated (front matter or text),
-- validated against the policy's values; an unknown one is null here and listed on the
-- data-health view.
with postmortems as (
    select * from stg_postmortems
)

select
    postmortem_id,
    title,
    reference,
    incident_keys,
    case when severity_raw in (select severity from cfg_policy) then severity_raw end
        as severity,
    case when root_cause_raw in (select key from cfg_taxonomy) then root_cause_raw end
        as root_cause,
    root_cause_raw,
    published_at,
    published_at_raw,
    published_at_source,
    release_ref
from postmortems
