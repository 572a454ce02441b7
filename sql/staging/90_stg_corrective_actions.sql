-- One row per corrective action: the table rows of each postmortem, then the rows of the
-- optional actions CSV. Strings as written; intermediate/int_corrective_actions normalises.
-- One parse per action (json_extract_string with a list of paths).
with postmortem_rows as (
    select
        postmortem_id,
        unnest(try_cast(coalesce(actions, '[]') as json[])) as action
    from stg_postmortems
),

postmortem_fields as (
    select
        postmortem_id,
        json_extract_string(action, [
            '$.line', '$.id', '$.action', '$.owner', '$.due_date', '$.status', '$.completed_on',
            '$.must_fix'
        ]) as f
    from postmortem_rows
),

from_postmortems as (
    select
        'postmortem' as origin,
        postmortem_id || ':' || coalesce(f[1], '?') as origin_location,
        f[2] as action_id,
        postmortem_id as postmortem_ref,
        null::varchar as incident_ref,
        f[3] as title,
        f[4] as owner,
        f[5] as due_date_raw,
        f[6] as status_raw,
        f[7] as completed_on_raw,
        f[8] as must_fix_raw
    from postmortem_fields
),

csv_rows as (
    select
        json_extract_string(payload, [
            '$.file', '$.line', '$.id', '$.postmortem', '$.incident', '$.action', '$.owner',
            '$.due_date', '$.status', '$.completed_on', '$.must_fix'
        ]) as f
    from raw_objects
    where source = 'postmortems' and object_type = 'action' and deleted_at is null
),

from_csv as (
    select
        'csv' as origin,
        coalesce(f[1], 'actions.csv') || ':' || coalesce(f[2], '?') as origin_location,
        f[3] as action_id,
        f[4] as postmortem_ref,
        f[5] as incident_ref,
        f[6] as title,
        f[7] as owner,
        f[8] as due_date_raw,
        f[9] as status_raw,
        f[10] as completed_on_raw,
        f[11] as must_fix_raw
    from csv_rows
)

select * from from_postmortems
union all
select * from from_csv
