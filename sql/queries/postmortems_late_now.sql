-- Postmortems late at $as_of (docs/kpis.md §7, §9): incidents whose postmortem deadline has
-- passed with none published, whatever week they were created in; the same deadline as
-- kpis/rca.sql and queries/postmortem_status.sql (sev1–3, resolved, valid resolve time, merged
-- left out). $deadline_since (nullable) keeps those whose deadline passed on or after it: the
-- briefing lists the ones that became late during the week under review and since.
-- Most severe first, then the most recently late. Parameters: $as_of, $deadline_since, filters.
with settings as (
    select timezone from cfg_settings
),

late as (
    select *
    from period_incidents(date '0001-01-01', date '9999-12-31',
                          $severities, $services, $teams, $sources)
    where not is_merged
      and postmortem_deadline is not null
      and postmortem_deadline <= cast($as_of as timestamptz)
      and postmortem_published_at is null
)

select
    late.incident_key,
    late.title,
    late.url,
    late.severity,
    late.service,
    late.team,
    late.created_local,
    timezone(settings.timezone, late.resolved_at) as resolved_local,
    timezone(settings.timezone, late.postmortem_deadline) as deadline_local,
    epoch(cast($as_of as timestamptz)) - epoch(late.postmortem_deadline) as seconds_past_deadline
from late
cross join settings
left join cfg_severities as severity_order using (severity)
where $deadline_since is null
   or late.postmortem_deadline >= cast($deadline_since as timestamptz)
order by severity_order.rank nulls last, late.postmortem_deadline desc, late.incident_key
