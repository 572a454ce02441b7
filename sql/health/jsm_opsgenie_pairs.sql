-- Every alert found both in Opsgenie and in JSM Operations (int_jsm__opsgenie_pairs), how it was
-- paired and which record counts (int_jsm__continuity): the data-health view lists them so a
-- migration can be checked for alerts lost or doubled (docs/migration-opsgenie-to-jsm.md).
select
    pairs.opsgenie_key,
    pairs.jsm_key,
    pairs.matched_by,
    pairs.opsgenie_created_at,
    pairs.jsm_created_at,
    pairs.gap_seconds,
    case
        when opsgenie_left.incident_key is not null and jsm_left.incident_key is null
            then pairs.jsm_key
        when jsm_left.incident_key is not null and opsgenie_left.incident_key is null
            then pairs.opsgenie_key
    end as counted_key,
    coalesce(opsgenie_left.reason, jsm_left.reason) as reason
from int_jsm__opsgenie_pairs as pairs
left join int_jsm__continuity as opsgenie_left on opsgenie_left.incident_key = pairs.opsgenie_key
left join int_jsm__continuity as jsm_left on jsm_left.incident_key = pairs.jsm_key
