-- Everything that was fetched but could not be used as is, with the reason: nothing is
-- dropped silently (docs/architecture.md). One row per problem; an object may have several.
with incident_issues as (
    select 'incident' as entity, incident_key as object_key, 'created_at' as field,
        'creation time missing or unreadable' as problem, created_at_raw as detail
    from incidents where created_at is null
    union all
    select 'incident', incident_key, 'acknowledged_at',
        'acknowledged before it was created: tta left out of the statistics',
        cast(acknowledged_at as varchar) || ' < ' || cast(created_at as varchar)
    from incidents where is_ack_before_creation
    union all
    select 'incident', incident_key, 'resolved_at',
        'resolved before it was created: ttr left out of the statistics',
        cast(resolved_at as varchar) || ' < ' || cast(created_at as varchar)
    from incidents where is_resolve_before_creation
    union all
    select 'incident', incident_key, 'resolved_at',
        'resolve time later than when it was fetched: ttr left out of the statistics',
        cast(resolved_at as varchar) || ' > fetched ' || cast(fetched_at as varchar)
    from incidents where is_resolve_in_future
    union all
    select 'incident', incident_key, 'priority',
        'priority not in the severity map', priority
    from incidents where is_priority_unmapped
    union all
    select 'incident', incident_key, 'release',
        'explicit release link matches no deploy at or before the incident', release_ref
    from incidents where release_ref is not null and explicit_deploy_key is null
    union all
    select 'incident', incident_key, 'root_cause',
        'root cause field is not a taxonomy key', field_root_cause
    from incidents
    where field_root_cause is not null and root_cause_source is distinct from 'incident field'
        and root_cause_source is distinct from 'postmortem'
),

postmortem_issues as (
    select 'postmortem' as entity, postmortem_id as object_key, 'root_cause' as field,
        'root cause is not a taxonomy key' as problem, root_cause_raw as detail
    from postmortems where root_cause_raw is not null and root_cause is null
    union all
    select 'postmortem', postmortem_id, 'published_at',
        'publication time missing or unreadable', published_at_raw
    from postmortems where published_at is null
    union all
    select 'postmortem', postmortem_id, 'incidents', 'names no incident', null
    from postmortems where len(incident_keys) = 0
    union all
    select 'postmortem', links.postmortem_id, 'incidents',
        'names an incident that is not in the warehouse', links.incident_key
    from postmortem_incidents as links
    anti join incidents using (incident_key)
),

action_issues as (
    select 'corrective_action' as entity, action_key as object_key, 'completed_on' as field,
        'marked done without a completion date: due, never on time' as problem,
        origin_location as detail
    from corrective_actions where is_done_without_date
    union all
    select 'corrective_action', action_key, 'due_date', 'due date missing or unreadable',
        coalesce(due_date_raw, '(empty)') || ' at ' || origin_location
    from corrective_actions where due_date is null and status <> 'cancelled'
    union all
    select 'corrective_action', action_key, 'status', 'status not recognised: counted as open',
        coalesce(status_raw, '(empty)') || ' at ' || origin_location
    from corrective_actions where status = 'unknown'
),

deploy_issues as (
    select 'deploy' as entity, app || '#' || coalesce(cast(history_id as varchar), '?')
        as object_key, 'deployedAt' as field, 'deploy time or id missing or unreadable'
        as problem, deployed_at_raw as detail
    from stg_argocd__history where deployed_at is null or history_id is null
    union all
    select 'deploy', app || ' #' || last_seen_id || '..#' || next_seen_id, 'status.history',
        'Argo CD history truncated between syncs: deploys lost', lost_deploys || ' deploys'
    from argocd_history_gaps
),

rejected as (
    select 'raw ' || source || ' ' || object_type as entity, coalesce(location, '') as object_key,
        null as field, reason as problem, left(body, 500) as detail
    from raw_rejects
)

select * from incident_issues
union all
select * from postmortem_issues
union all
select * from action_issues
union all
select * from deploy_issues
union all
select * from rejected
