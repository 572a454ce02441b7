-- Every KPI of one period in one statement (docs/kpis.md, "The KPI set in one statement"):
-- what sql/kpis/<group>.sql give with grain 'period' and no dimension, for the groups of the
-- `opskpi kpis --json` object, read once per period by metrics/kpis.py (build_report). One
-- column per group, a list with one struct per row of the group's query and the same field
-- names, plus the reporting time zone. tests/test_kpi_report_statement.py checks that it gives
-- what the group queries give, field by field, for every filter.
--
-- Why one statement: each statement pays planning and operator set-up (hash tables, result
-- sets) whatever its size, eight of them 6-10 times what the rows cost over 28 days. Here the
-- period's incidents are read once: their counts come from one grouping of the incidents by
-- what they are (`tally`: a few hundred groups however many incidents), the duration statistics
-- from the counted incidents per severity and pooled (the same aggregates as
-- response_times.sql, over the rows in the same order, so means and quantiles are the same
-- floats). Deploys, actions and interruptions are their own tables, read once each.
with period_rows as (
    select
        severity,
        is_merged,
        not is_merged as counts,
        is_acknowledged,
        is_open,
        tta_seconds,
        ttr_seconds,
        ack_target_seconds,
        resolve_target_seconds,
        epoch(cast($as_of as timestamptz)) - epoch(created_at) as age_seconds,
        root_cause,
        is_release_caused,
        is_release_explicit,
        is_release_window,
        runbook_url is not null as has_runbook,
        escalation_count >= 1 as is_escalated,
        alert_count,
        postmortem_deadline is not null
            and (postmortem_published_at is not null
                 or postmortem_deadline <= cast($as_of as timestamptz)) as is_postmortem_due,
        postmortem_published_at <= postmortem_deadline as is_postmortem_on_time
    from period_incidents($since, $until, $severities, $services, $teams, $sources)
),

limits as (
    select cfg_settings.paging_timeout_seconds, cfg_noise.flap_window_seconds
    from cfg_settings, cfg_noise
),

-- every count of the report at once: the period's incidents by what they are
tally as (
    select
        severity,
        is_merged,
        counts,
        is_acknowledged,
        is_open,
        tta_seconds is not null as has_tta,
        ack_target_seconds is not null as has_ack_target,
        resolve_target_seconds is not null as has_resolve_target,
        ttr_seconds is not null and resolve_target_seconds is not null as resolve_measured,
        tta_seconds is not null and ack_target_seconds is not null as ack_measured,
        tta_seconds <= ack_target_seconds as ack_met,
        ttr_seconds <= resolve_target_seconds as resolve_met,
        age_seconds > resolve_target_seconds as is_past_resolve_target,
        age_seconds > ack_target_seconds as is_past_ack_target,
        root_cause,
        is_release_caused,
        is_release_explicit,
        is_release_window,
        has_runbook,
        tta_seconds <= limits.paging_timeout_seconds as acked_within,
        is_escalated,
        is_postmortem_due,
        is_postmortem_on_time,
        ttr_seconds <= limits.flap_window_seconds as within_flap_window,
        count(*) as n
    from period_rows, limits
    group by all
),

counts_by_severity as (
    select
        cast($since as date) as bucket,
        grouping(severity) as is_pooled,
        severity,
        sum(n) filter (where counts) as incidents,
        sum(n) filter (where is_merged) as merged,
        sum(n) filter (where counts and is_acknowledged) as acknowledged,
        sum(n) filter (where counts and not is_acknowledged) as unacknowledged,
        sum(n) filter (where counts and not is_open) as resolved,
        sum(n) filter (where counts and is_open) as open,
        sum(n) filter (where counts and ack_measured) as ack_sla_n,
        sum(n) filter (where counts and ack_measured and ack_met) as ack_sla_met,
        sum(n) filter (where counts and resolve_measured) as resolve_sla_n,
        sum(n) filter (where counts and resolve_measured and resolve_met) as resolve_sla_met,
        bool_or(has_resolve_target) as has_resolve_targets,
        bool_or(has_ack_target) as has_ack_targets,
        sum(n) filter (where counts and is_open and is_past_resolve_target) as breaching_open_count,
        sum(n) filter (
            where counts and is_open and not is_acknowledged and is_past_ack_target
        ) as unacked_over_target_count,
        sum(n) filter (where counts and is_release_caused) as release_caused,
        sum(n) filter (where counts and is_release_explicit) as explicit,
        sum(n) filter (where counts and is_release_window) as in_window,
        sum(n) filter (where counts and has_runbook) as with_runbook,
        sum(n) filter (where counts and has_tta) as tta_n,
        sum(n) filter (where counts and acked_within) as acked_within,
        sum(n) filter (where counts and is_escalated) as escalated,
        sum(n) filter (where counts and is_postmortem_due) as postmortems_due,
        sum(n) filter (where counts and is_postmortem_due and is_postmortem_on_time)
            as postmortems_on_time,
        sum(n) filter (where counts and not is_open and not is_acknowledged)
            as resolved_unacknowledged,
        sum(n) filter (where counts and not is_acknowledged and within_flap_window) as flapping
    from tally
    group by grouping sets ((severity), ())
),

by_cause as (
    select root_cause, sum(n) as incidents from tally where counts group by root_cause
),

-- statistics of the durations, over the counted (non-merged) incidents
measured as (
    select severity, tta_seconds, ttr_seconds, alert_count
    from period_rows
    where counts
),

stats as (
    select
        grouping(severity) as is_pooled,
        severity,
        avg(tta_seconds) as tta_mean,
        quantile_cont(tta_seconds, [0.5, 0.9, 0.95]) as tta_q,
        max(tta_seconds) as tta_max,
        avg(ttr_seconds) as ttr_mean,
        quantile_cont(ttr_seconds, [0.5, 0.9, 0.95]) as ttr_q,
        max(ttr_seconds) as ttr_max,
        count(ttr_seconds) as ttr_n,
        avg(alert_count) as alerts_per_incident
    from measured
    group by grouping sets ((severity), ())
),

grouped as (
    select counts_by_severity.*, stats.* exclude (is_pooled, severity)
    from counts_by_severity
    left join stats
        on stats.is_pooled = counts_by_severity.is_pooled
        and stats.severity is not distinct from counts_by_severity.severity
),

response_rows as (
    -- the period's bucket has its 'all' row even when no incident fell in it
    select
        coalesce(grouped.severity, 'all') as severity,
        coalesce(incidents, 0) as incidents,
        coalesce(merged, 0) as merged,
        coalesce(acknowledged, 0) as acknowledged,
        coalesce(unacknowledged, 0) as unacknowledged,
        coalesce(resolved, 0) as resolved,
        coalesce(open, 0) as open,
        coalesce(tta_n, 0) as tta_n,
        tta_mean, tta_q[1] as tta_median, tta_q[2] as tta_p90, tta_q[3] as tta_p95, tta_max,
        coalesce(ttr_n, 0) as ttr_n,
        ttr_mean, ttr_q[1] as ttr_median, ttr_q[2] as ttr_p90, ttr_q[3] as ttr_p95, ttr_max,
        coalesce(ack_sla_n, 0) as ack_sla_n,
        coalesce(ack_sla_met, 0) / nullif(ack_sla_n, 0) as ack_sla_compliance,
        coalesce(resolve_sla_n, 0) as resolve_sla_n,
        coalesce(resolve_sla_met, 0) / nullif(resolve_sla_n, 0) as resolve_sla_compliance,
        case
            when has_resolve_targets then coalesce(breaching_open_count, 0)
            when coalesce(grouped.severity, 'all') = 'all' then coalesce(breaching_open_count, 0)
        end as breaching_open,
        case
            when has_ack_targets then coalesce(unacked_over_target_count, 0)
            when coalesce(grouped.severity, 'all') = 'all'
                then coalesce(unacked_over_target_count, 0)
        end as unacked_over_target
    from (select cast($since as date) as bucket) as buckets
    left join grouped on grouped.bucket = buckets.bucket
),

pooled as (
    select
        coalesce(incidents, 0) as incidents,
        coalesce(resolved, 0) as resolved,
        coalesce(tta_n, 0) as acknowledged,
        coalesce(release_caused, 0) as release_caused,
        coalesce(explicit, 0) as explicit,
        coalesce(in_window, 0) as in_window,
        coalesce(with_runbook, 0) as with_runbook,
        coalesce(acked_within, 0) as acked_within,
        coalesce(escalated, 0) as escalated,
        coalesce(postmortems_due, 0) as postmortems_due,
        coalesce(postmortems_on_time, 0) as postmortems_on_time,
        coalesce(resolved_unacknowledged, 0) as resolved_unacknowledged,
        coalesce(flapping, 0) as flapping,
        alerts_per_incident
    from (select 1) as one
    left join grouped on grouped.is_pooled = 1
),

attributed as (
    select distinct release_key
    from period_incidents(date '0001-01-01', date '9999-12-31',
                          $severities, $services, $teams, $sources)
    where not is_merged and release_key is not null
),

deploy_counts as (
    select
        count(*) as deploys,
        coalesce(count_if(attributed.release_key is not null), 0) as deploys_with_incident,
        coalesce(count_if(is_rollback), 0) as rollbacks
    from deploys
    left join attributed on attributed.release_key = deploys.deploy_key
    where cast(deployed_local as date) >= $since
      and cast(deployed_local as date) < $until
      and ($services is null or list_has_any(deploys.services, $services))
      and ($teams is null or list_has_any(deploys.teams, $teams))
),

action_counts as (
    select
        coalesce(count_if(status = 'done' or is_overdue), 0) as actions_due,
        coalesce(count_if(is_on_time), 0) as actions_on_time,
        coalesce(count_if(is_overdue), 0) as overdue_actions,
        coalesce(count_if(is_overdue and must_fix), 0) as overdue_must_fix
    from filtered_actions($as_of, $severities, $services, $teams, $sources)
    where status <> 'cancelled'
      and due_date >= $since
      and due_date < $until
),

per_person as (
    select
        count(*) as interruptions,
        count_if(interruption_class = 'business_hours') as business_hours,
        count_if(interruption_class = 'off_hours') as off_hours,
        count_if(interruption_class = 'sleep_hours') as sleep_hours
    from period_interruptions($since, $until, $severities, $services, $teams, $sources)
    group by person_id
),

oncall_counts as (
    select
        coalesce(sum(interruptions), 0)::bigint as interruptions,
        coalesce(sum(business_hours), 0)::bigint as business_hours,
        coalesce(sum(off_hours), 0)::bigint as off_hours,
        coalesce(sum(sleep_hours), 0)::bigint as sleep_hours,
        count(*) as people,
        coalesce(max(interruptions), 0) as max_per_person
    from per_person
)

select
    (select timezone from cfg_settings) as timezone,
    (
        select list(response_rows order by severity_order.rank nulls last)
        from response_rows
        left join cfg_severities as severity_order using (severity)
    ) as response_times,
    (
        select list({
            'root_cause': taxonomy.key,
            'incidents': coalesce(by_cause.incidents, 0)::bigint,
            'share': coalesce(by_cause.incidents, 0)::bigint / nullif(pooled.incidents, 0)
        } order by taxonomy.position)
        from cfg_taxonomy as taxonomy
        left join by_cause on by_cause.root_cause = taxonomy.key
        cross join pooled
    ) as root_causes,
    [{
        'incidents': pooled.incidents,
        'release_caused': pooled.release_caused,
        'explicit': pooled.explicit,
        'window': pooled.in_window,
        'release_caused_share': pooled.release_caused / nullif(pooled.incidents, 0),
        'deploys': deploy_counts.deploys,
        'deploys_with_incident': deploy_counts.deploys_with_incident,
        'change_failure_rate':
            deploy_counts.deploys_with_incident / nullif(deploy_counts.deploys, 0),
        'rollbacks': deploy_counts.rollbacks
    }] as releases,
    [{
        'incidents': pooled.incidents,
        'with_runbook': pooled.with_runbook,
        'without_runbook': pooled.incidents - pooled.with_runbook,
        'coverage': pooled.with_runbook / nullif(pooled.incidents, 0)
    }] as runbooks,
    [{
        'actions_due': action_counts.actions_due,
        'actions_on_time': action_counts.actions_on_time,
        'rca_adherence': action_counts.actions_on_time / nullif(action_counts.actions_due, 0),
        'overdue_actions': action_counts.overdue_actions,
        'overdue_must_fix': action_counts.overdue_must_fix,
        'postmortems_due': pooled.postmortems_due,
        'postmortems_on_time': pooled.postmortems_on_time,
        'postmortem_on_time_share':
            pooled.postmortems_on_time / nullif(pooled.postmortems_due, 0)
    }] as rca,
    [{
        'acknowledged': pooled.acknowledged,
        'acked_within_paging_window': pooled.acked_within / nullif(pooled.acknowledged, 0),
        'escalated': pooled.escalated,
        'escalation_rate': pooled.escalated / nullif(pooled.incidents, 0)
    }] as paging,
    [{
        'interruptions': oncall_counts.interruptions,
        'business_hours': oncall_counts.business_hours,
        'off_hours': oncall_counts.off_hours,
        'sleep_hours': oncall_counts.sleep_hours,
        'people': oncall_counts.people,
        'max_per_person': oncall_counts.max_per_person,
        'sleep_hours_share': oncall_counts.sleep_hours / nullif(oncall_counts.interruptions, 0)
    }] as oncall,
    [{
        'incidents': pooled.incidents,
        'resolved': pooled.resolved,
        'resolved_unacknowledged': pooled.resolved_unacknowledged,
        'resolved_unacknowledged_share':
            pooled.resolved_unacknowledged / nullif(pooled.resolved, 0),
        'flapping': pooled.flapping,
        'flapping_share': pooled.flapping / nullif(pooled.incidents, 0),
        'alerts_per_incident': pooled.alerts_per_incident
    }] as noise
from pooled, deploy_counts, action_counts, oncall_counts
