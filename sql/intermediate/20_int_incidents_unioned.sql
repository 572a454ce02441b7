-- Every source's incidents in one shape; the marts never branch on the source. Opsgenie and
-- JSM Operations records that int_jsm__continuity leaves out (the same alert in both, or the
-- other side of the cutover) are not here: no alert counts twice.
with unioned as (
    select * from int_pagerduty__incidents
    union all by name
    select * from int_opsgenie__alert_incidents
    union all by name
    select * from int_opsgenie__incidents
    union all by name
    select * from int_jsm__alert_incidents
)

select unioned.*
from unioned
anti join int_jsm__continuity as left_out using (incident_key)
