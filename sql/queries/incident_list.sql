-- The incidents of a period for lists and tables (docs/kpis.md §1), one row per incident,
-- with links back to the source, durations against the severity's targets, root cause, runbook
-- and release attribution. No counting here: counts and statistics come from sql/kpis/*.
-- Parameters: $since, $until, filters, $search (text in key/title/service, or null),
-- $root_cause (or null), $without_runbook (true = only incidents without one, or null),
-- $include_merged, $order_by ('created' | 'tta' | 'ttr' | 'severity'), $limit.
with incidents as (
    select *
    from period_incidents($since, $until, $severities, $services, $teams, $sources)
    where ($include_merged or not is_merged)
      and ($root_cause is null or root_cause = $root_cause)
      and ($without_runbook is null or (runbook_url is null) = $without_runbook)
      and (
          $search is null
          or incident_key ilike '%' || $search || '%'
          or coalesce(title, '') ilike '%' || $search || '%'
          or coalesce(service, '') ilike '%' || $search || '%'
      )
),

deploys as (
    select deploy_key, app, revision, deployed_at from deploys
),

final as (
    select
        ---------- ids and links
        incidents.incident_key,
        incidents.source,
        incidents.source_id,
        incidents.title,
        incidents.url,
        ---------- when (reporting time zone)
        incidents.created_at,
        incidents.created_local,
        incidents.created_date,
        ---------- who
        incidents.severity,
        incidents.service,
        incidents.team,
        ---------- state and durations
        incidents.is_open,
        incidents.is_acknowledged,
        incidents.is_merged,
        incidents.merged_into,
        incidents.escalation_count,
        incidents.tta_seconds,
        incidents.ttr_seconds,
        incidents.ack_target_seconds,
        incidents.resolve_target_seconds,
        incidents.tta_seconds <= incidents.ack_target_seconds as is_ack_within_target,
        incidents.ttr_seconds <= incidents.resolve_target_seconds as is_resolve_within_target,
        incidents.is_ack_before_creation
            or incidents.is_resolve_before_creation
            or incidents.is_resolve_in_future as has_bad_timestamp,
        ---------- classification
        incidents.root_cause,
        incidents.root_cause_source,
        incidents.runbook_url,
        incidents.runbook_source,
        ---------- release
        incidents.is_release_caused,
        incidents.is_release_explicit,
        incidents.is_release_window,
        incidents.release_key,
        deploys.app as release_app,
        deploys.revision as release_revision,
        ---------- postmortem
        incidents.postmortem_ids,
        incidents.postmortem_published_at,
        incidents.postmortem_deadline
    from incidents
    left join deploys on deploys.deploy_key = incidents.release_key
)

select final.*
from final
left join cfg_severities as severity_order using (severity)
order by
    case $order_by when 'tta' then tta_seconds when 'ttr' then ttr_seconds end desc nulls last,
    case $order_by when 'severity' then severity_order.rank end nulls last,
    created_at desc,
    incident_key
limit $limit
