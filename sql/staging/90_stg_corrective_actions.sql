-- One row per corrective action: the table rows of each postmortem, then the rows of the
-- optional actions CSV. Strings as written; intermediate/int_corrective_actions normalises.
with postmortem_rows as (
    select
        postmortem_id,
        unnest(try_cast(coalesce(actions, '[]') as json[])) as action
    from stg_postmortems
),

from_postmortems as (
    select
        'postmortem' as origin,
        postmortem_id || ':' || coalesce(action ->> 'line', '?') as origin_location,
        action ->> 'id' as action_id,
        postmortem_id as postmortem_ref,
        null::varchar as incident_ref,
        action ->> 'action' as title,
        action ->> 'owner' as owner,
        action ->> 'due_date' as due_date_raw,
        action ->> 'status' as status_raw,
        action ->> 'completed_on' as completed_on_raw,
        action ->> 'must_fix' as must_fix_raw
    from postmortem_rows
),

from_csv as (
    select
        'csv' as origin,
        coalesce(payload ->> 'file', 'actions.csv') || ':' || coalesce(payload ->> 'line', '?')
            as origin_location,
        payload ->> 'id' as action_id,
        payload ->> 'postmortem' as postmortem_ref,
        payload ->> 'incident' as incident_ref,
        payload ->> 'action' as title,
        payload ->> 'owner' as owner,
        payload ->> 'due_date' as due_date_raw,
        payload ->> 'status' as status_raw,
        payload ->> 'completed_on' as completed_on_raw,
        payload ->> 'must_fix' as must_fix_raw
    from raw_objects
    where source = 'postmortems' and object_type = 'action' and deleted_at is null
)

select * from from_postmortems
union all
select * from from_csv
