-- Opsgenie → JSM Operations continuity (docs/migration-opsgenie-to-jsm.md): one row per
-- Opsgenie or JSM record left out of the unified incidents so that no alert counts twice, with
-- the record that counts instead (kept_key, when the alert has a twin) and why.
--   With [sources.jsm] cutover: Opsgenie records created before it, JSM records from it on.
--   Either way, an Opsgenie alert paired with a JSM alert that counts is left out (JSM is
--   preferred); and a JSM alert created just before the cutover whose Opsgenie twin was created
--   on or after it counts, so that the alert is not lost between the two rules.
with settings as (
    select jsm_cutover_at as cutover from cfg_settings
),

pairs as (
    select * from int_jsm__opsgenie_pairs
),

jsm as (
    select
        alerts.incident_key,
        alerts.created_at,
        pairs.opsgenie_key,
        pairs.matched_by,
        settings.cutover is null
            or alerts.created_at is null
            or alerts.created_at >= settings.cutover
            or coalesce(pairs.opsgenie_created_at >= settings.cutover, false) as is_kept
    from int_jsm__alert_incidents as alerts
    cross join settings
    left join pairs on pairs.jsm_key = alerts.incident_key
),

opsgenie as (
    select
        records.incident_key,
        records.created_at,
        records.is_alert,
        pairs.jsm_key,
        pairs.matched_by,
        coalesce(jsm.is_kept, false) as is_twin_kept,
        settings.cutover is not null
            and records.created_at is not null
            and records.created_at >= settings.cutover as is_after_cutover
    from (
        select incident_key, created_at, true as is_alert from int_opsgenie__alert_incidents
        union all
        select incident_key, created_at, false as is_alert from int_opsgenie__incidents
    ) as records
    cross join settings
    left join pairs on records.is_alert and pairs.opsgenie_key = records.incident_key
    left join jsm on jsm.incident_key = pairs.jsm_key
)

select
    incident_key,
    'jsm' as source,
    opsgenie_key as kept_key,
    case
        when opsgenie_key is not null
            then 'JSM alert created before the cutover: its Opsgenie twin counts'
        else 'JSM alert created before the cutover: Opsgenie holds that period'
    end as reason,
    matched_by
from jsm
where not is_kept
union all
select
    incident_key,
    'opsgenie' as source,
    case when is_twin_kept then jsm_key end as kept_key,
    case
        when is_after_cutover and is_twin_kept
            then 'Opsgenie record created on or after the cutover: its JSM twin counts'
        when is_after_cutover
            then 'Opsgenie record created on or after the cutover: JSM holds that period'
        else 'also in JSM: the JSM record counts'
    end as reason,
    matched_by
from opsgenie
where is_after_cutover or is_twin_kept
