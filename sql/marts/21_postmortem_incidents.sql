-- One row per (postmortem, incident it names): a postmortem may cover several incidents. A
-- postmortem naming an Opsgenie or JSM record that continuity left out (the same alert counts
-- under its twin: int_jsm__continuity) counts for the twin.
with named as (
    select postmortem_id, unnest(incident_keys) as incident_key
    from postmortems
)

select distinct
    named.postmortem_id,
    coalesce(left_out.kept_key, named.incident_key) as incident_key
from named
left join int_jsm__continuity as left_out
    on left_out.incident_key = named.incident_key and left_out.kept_key is not null
