-- How many Opsgenie and JSM Operations records continuity left out, per reason, and how many of
-- them count under a twin instead (int_jsm__continuity). A record left out with no twin is
-- an alert the other source must hold: after a cutover, Opsgenie alerts JSM never got.
select
    source,
    reason,
    count(*) as records,
    count(kept_key) as with_twin
from int_jsm__continuity
group by source, reason
