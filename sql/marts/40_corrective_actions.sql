-- One row per corrective action (docs/kpis.md §7). Cancelled actions stay here (to be
-- shown) but leave every KPI. is_done_without_date: marked done with no completion date, which
-- can never count as on time.
select
    action_key,
    action_id,
    origin,
    origin_location,
    postmortem_id,
    postmortem_ref,
    incident_keys,
    title,
    owner,
    due_date,
    due_date_raw,
    status,
    status_raw,
    completed_on,
    completed_on_raw,
    must_fix,
    status = 'done' and completed_on is null as is_done_without_date,
    status = 'done' and completed_on is not null and due_date is not null
        and completed_on <= due_date as is_on_time
from int_corrective_actions
