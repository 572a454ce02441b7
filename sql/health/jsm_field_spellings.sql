-- Which spelling of the fields public sources disagree on the landed JSM Operations payloads
-- used (stg_jsm__alerts, stg_jsm__alert_logs): the spec's or Opsgenie's. Both are read; this
-- shows what a site actually sends.
select 'alert' as object, 'ackTime / closeTime' as field, times_spelling as spelling,
    count(*) as records
from stg_jsm__alerts where times_spelling is not null group by all
union all
select 'alert', 'extraProperties / details', properties_spelling, count(*)
from stg_jsm__alerts where properties_spelling is not null group by all
union all
select 'alert', 'lastOccuredAt / lastOccurredAt', last_occurred_spelling, count(*)
from stg_jsm__alerts where last_occurred_spelling is not null group by all
union all
select 'alert log', 'logTime, logType / createdAt, type', spelling, count(*)
from stg_jsm__alert_logs where spelling is not null group by all
