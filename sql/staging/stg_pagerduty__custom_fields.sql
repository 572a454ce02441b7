-- One row per (incident, custom field) from GET /incidents/{id}/custom_fields/values.
-- Multi-value fields keep their first value (the taxonomy and release fields are single-valued).
with source as (
    select object_id as incident_id, payload
    from raw_objects
    where source = 'pagerduty' and object_type = 'incident_custom_fields' and deleted_at is null
),

fields as (
    select incident_id, unnest(try_cast(payload -> 'custom_fields' as json[])) as field
    from source
),

renamed as (
    select
        incident_id,
        field ->> 'name' as field_name,
        case
            when json_type(field -> 'value') = 'ARRAY' then field -> 'value' ->> 0
            else field ->> 'value'
        end as field_value
    from fields
)

select * from renamed where field_value is not null and field_value <> ''
