-- Corrective actions normalised: status (pt-BR or English, the spellings of cfg_action_statuses)
-- → open | in_progress | done | cancelled | unknown, dates parsed (ISO or dd/mm/yyyy), must-fix
-- → boolean, postmortem reference → postmortem id. A row kept in both a postmortem and the CSV
-- counts once: the CSV (the team's tracking sheet) wins.
with actions as (
    select * from stg_corrective_actions
),

postmortems as (
    select postmortem_id, reference, incident_keys from stg_postmortems
),

resolved as (
    select
        actions.*,
        coalesce(by_id.postmortem_id, by_ref.postmortem_id) as postmortem_id,
        coalesce(by_id.incident_keys, by_ref.incident_keys) as postmortem_incident_keys,
        statuses.status as spelled_status,
        lower(strip_accents(trim(coalesce(actions.must_fix_raw, '')))) as must_fix_text
    from actions
    left join postmortems as by_id on by_id.postmortem_id = actions.postmortem_ref
    left join postmortems as by_ref
        on by_id.postmortem_id is null and by_ref.reference = actions.postmortem_ref
    left join cfg_action_statuses as statuses
        on statuses.spelling = lower(strip_accents(trim(coalesce(actions.status_raw, ''))))
),

normalised as (
    select
        origin,
        origin_location,
        action_id,
        postmortem_id,
        coalesce(postmortem_ref, postmortem_id) as postmortem_ref,
        case
            when incident_ref is not null then [incident_ref]
            else coalesce(postmortem_incident_keys, [])
        end as incident_keys,
        title,
        owner,
        due_date_raw,
        try_strptime(due_date_raw, ['%Y-%m-%d', '%d/%m/%Y'])::date as due_date,
        status_raw,
        coalesce(spelled_status, 'unknown') as status,
        completed_on_raw,
        try_strptime(completed_on_raw, ['%Y-%m-%d', '%d/%m/%Y'])::date as completed_on,
        must_fix_raw,
        must_fix_text in ('sim', 's', 'yes', 'y', 'true', 'x', '1') as must_fix,
        must_fix_text not in ('sim', 's', 'yes', 'y', 'true', 'x', '1',
                              'nao', 'n', 'no', 'false', '0', '', '-') as is_must_fix_unreadable
    from resolved
)

select
    coalesce(postmortem_id, postmortem_ref, incident_keys[1], origin)
        || '#' || coalesce(action_id, origin_location) as action_key,
    *
from normalised
qualify row_number() over (
    partition by coalesce(postmortem_id, postmortem_ref, incident_keys[1], origin),
        coalesce(action_id, origin_location)
    order by (origin = 'csv') desc, origin_location
) = 1
