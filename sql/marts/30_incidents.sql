-- One row per incident, whatever its source (docs/kpis.md §1). Key: incident_key.
-- Durations are computed once here; a bad one (ack or resolve before creation, resolve after
-- the moment it was fetched) is null in tta/ttr and flagged, never clamped.
with unioned as (
    select * from int_incidents_unioned
),

settings as (
    select * from cfg_settings
),

---------- severity: priority through the map, else urgency, else unknown
mapped as (
    select
        unioned.*,
        coalesce(by_priority.severity, by_urgency.severity, 'unknown') as severity,
        by_priority.severity is null and unioned.priority is not null as is_priority_unmapped
    from unioned
    left join cfg_severity_map as by_priority
        on by_priority.source = unioned.source
        and by_priority.field = 'priority'
        and by_priority.value = unioned.priority
    left join cfg_severity_map as by_urgency
        on by_urgency.source = unioned.source
        and by_urgency.field = 'urgency'
        and by_urgency.value = unioned.urgency
),

---------- postmortems naming the incident
postmortem_facts as (
    select
        links.incident_key,
        min(postmortems.published_at) as postmortem_published_at,
        arg_max(postmortems.root_cause, postmortems.published_at)
            filter (where postmortems.root_cause is not null) as postmortem_root_cause,
        arg_max(postmortems.release_ref, postmortems.published_at)
            filter (where postmortems.release_ref is not null) as postmortem_release,
        list(postmortems.postmortem_id order by postmortems.postmortem_id) as postmortem_ids
    from postmortem_incidents as links
    inner join postmortems using (postmortem_id)
    group by links.incident_key
),

base as (
    select
        mapped.*,
        services.team as configured_team,
        services.runbook_url as configured_runbook_url,
        postmortem_facts.postmortem_published_at,
        postmortem_facts.postmortem_root_cause,
        postmortem_facts.postmortem_ids,
        lower(coalesce(postmortem_facts.postmortem_release, mapped.field_release)) as release_ref
    from mapped
    left join postmortem_facts using (incident_key)
    left join cfg_services as services on services.service = mapped.service
),

---------- release attribution: explicit link, and deploys within the window before creation
explicit_candidates as (
    -- the first 7 characters of the revision are an equality key (a prefix is at least 7 long):
    -- a hash join on (app, prefix) instead of pairing each incident with every deploy of its app
    select base.incident_key, deploys.deploy_key, deploys.deployed_at
    from base
    inner join deploys
        on deploys.app = split_part(base.release_ref, '@', 1)
        and left(lower(deploys.revision), 7) = left(split_part(base.release_ref, '@', 2), 7)
        and length(split_part(base.release_ref, '@', 2)) >= 7
        and starts_with(lower(deploys.revision), split_part(base.release_ref, '@', 2))
        and deploys.deployed_at <= base.created_at
    where base.release_ref like '%@%'
),

explicit as (
    select incident_key, arg_max(deploy_key, deployed_at) as explicit_deploy_key
    from explicit_candidates
    group by incident_key
),

incident_apps as (
    select base.incident_key, base.created_at, service_apps.app
    from base
    inner join cfg_service_apps as service_apps on service_apps.service = base.service
    where base.created_at is not null
),

latest_deploy_before as (
    -- per (incident, mapped app): the latest deploy at or before creation (an ASOF join, so
    -- this stays linear at millions of incidents instead of pairing each with every deploy)
    select incident_apps.incident_key, incident_apps.created_at, deploys.deploy_key,
        deploys.deployed_at
    from incident_apps
    asof inner join deploys
        on deploys.app = incident_apps.app
        and deploys.deployed_at <= incident_apps.created_at
),

window_candidates as (
    select latest_deploy_before.*
    from latest_deploy_before
    cross join settings
    where latest_deploy_before.deployed_at
        >= latest_deploy_before.created_at - to_seconds(settings.release_window_seconds)
),

in_window as (
    select incident_key, arg_max(deploy_key, deployed_at) as window_deploy_key
    from window_candidates
    group by incident_key
),

---------- durations and their validity
timed as (
    select
        base.*,
        explicit.explicit_deploy_key,
        in_window.window_deploy_key,
        base.acknowledged_at < base.created_at as is_ack_before_creation,
        base.resolved_at < base.created_at as is_resolve_before_creation,
        base.resolved_at > base.fetched_at as is_resolve_in_future
    from base
    left join explicit using (incident_key)
    left join in_window using (incident_key)
),

final as (
    select
        ---------- ids
        timed.incident_key,
        timed.source,
        timed.source_id,
        timed.title,
        timed.url,
        ---------- timestamps (UTC) and the reporting time zone's calendar
        timed.created_at,
        timed.created_at_raw,
        timed.acknowledged_at,
        timed.resolved_at,
        timezone(settings.timezone, timed.created_at) as created_local,
        cast(timezone(settings.timezone, timed.created_at) as date) as created_date,
        cast(date_trunc('week', timezone(settings.timezone, timed.created_at)) as date)
            as created_week,
        ---------- classification
        timed.severity,
        timed.priority,
        timed.urgency,
        timed.is_priority_unmapped,
        timed.status as source_status,
        timed.service,
        coalesce(timed.team, timed.configured_team) as team,
        ---------- state
        timed.resolved_at is null as is_open,
        timed.acknowledged_at is not null as is_acknowledged,
        timed.is_merged,
        timed.merged_into,
        timed.escalation_count,
        timed.alert_count,
        ---------- durations (null when missing or bad)
        case when not coalesce(timed.is_ack_before_creation, false)
            then epoch(timed.acknowledged_at) - epoch(timed.created_at) end as tta_seconds,
        case when not coalesce(timed.is_resolve_before_creation, false)
                and not coalesce(timed.is_resolve_in_future, false)
            then epoch(timed.resolved_at) - epoch(timed.created_at) end as ttr_seconds,
        coalesce(timed.is_ack_before_creation, false) as is_ack_before_creation,
        coalesce(timed.is_resolve_before_creation, false) as is_resolve_before_creation,
        coalesce(timed.is_resolve_in_future, false) as is_resolve_in_future,
        ---------- policy targets of the incident's severity
        policy.ack_target_seconds,
        policy.resolve_target_seconds,
        ---------- runbook
        coalesce(timed.runbook_url, timed.configured_runbook_url) as runbook_url,
        case
            when timed.runbook_url is not null then timed.runbook_source
            when timed.configured_runbook_url is not null then 'config'
        end as runbook_source,
        ---------- root cause: postmortem, then incident field/tag, else unclassified
        case
            when timed.postmortem_root_cause is not null then timed.postmortem_root_cause
            when lower(timed.field_root_cause) in (select key from cfg_taxonomy)
                then lower(timed.field_root_cause)
            else 'unclassified'
        end as root_cause,
        case
            when timed.postmortem_root_cause is not null then 'postmortem'
            when lower(timed.field_root_cause) in (select key from cfg_taxonomy)
                then 'incident field'
        end as root_cause_source,
        timed.field_root_cause,
        ---------- release attribution
        timed.release_ref,
        timed.explicit_deploy_key is not null as is_release_explicit,
        timed.window_deploy_key is not null as is_release_window,
        timed.explicit_deploy_key is not null or timed.window_deploy_key is not null
            as is_release_caused,
        coalesce(timed.explicit_deploy_key, timed.window_deploy_key) as release_key,
        timed.explicit_deploy_key,
        timed.window_deploy_key,
        ---------- postmortem
        timed.postmortem_ids,
        timed.postmortem_published_at,
        policy.postmortem_window_seconds,
        policy.postmortem_window_business_days,
        timed.fetched_at
    from timed
    cross join settings
    left join cfg_policy as policy on policy.severity = timed.severity
),

---------- postmortem deadline: N hours after resolution, or the end (24:00) of the N-th
---------- business day after the resolution's local date (that day itself not counted)
resolution_days as (
    select
        final.incident_key,
        cast(timezone(settings.timezone, final.resolved_at) as date) as resolved_date
    from final
    cross join settings
    where final.ttr_seconds is not null and final.postmortem_window_business_days is not null
),

business_deadlines as (
    select
        resolution_days.incident_key,
        timezone(settings.timezone, cast(target.day + 1 as timestamp)) as deadline
    from resolution_days
    cross join settings
    inner join final using (incident_key)
    inner join cfg_calendar as start_day on start_day.day = resolution_days.resolved_date
    inner join cfg_calendar as target
        on target.is_business_day
        and target.business_day_seq
            = start_day.business_day_seq + final.postmortem_window_business_days
)

select
    final.*,
    case
        when final.ttr_seconds is null then null
        when final.postmortem_window_seconds is not null
            then final.resolved_at + to_seconds(final.postmortem_window_seconds)
        else business_deadlines.deadline
    end as postmortem_deadline
from final
left join business_deadlines using (incident_key)
