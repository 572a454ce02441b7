-- One row per (postmortem, incident it names): a postmortem may cover several incidents.
select distinct postmortem_id, unnest(incident_keys) as incident_key
from postmortems
