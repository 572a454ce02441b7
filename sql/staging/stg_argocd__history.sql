-- One row per Argo CD application sync-history entry (status.history): a deploy.
-- The connector lands each entry on its own, keyed (app, id), because Argo CD truncates the
-- history to revisionHistoryLimit: entries seen once are kept after they leave the API.
-- One parse per payload (json_extract: the revisions list stays a JSON value).
with source as (
    select
        object_id,
        parent_id,
        json_extract(payload, [
            '$.id', '$.revision', '$.revisions', '$.deployStartedAt', '$.deployedAt',
            '$.initiatedBy.username', '$.initiatedBy.automated'
        ]) as j
    from raw_objects
    where source = 'argocd' and object_type = 'history_entry' and deleted_at is null
),

renamed as (
    select
        parent_id as app,
        try_cast(j[1] ->> '$' as bigint) as history_id,
        coalesce(
            nullif(j[2] ->> '$', ''),
            array_to_string(try_cast(j[3] as varchar[]), ',')
        ) as revision,
        try_cast(j[4] ->> '$' as timestamptz) as deploy_started_at,
        try_cast(j[5] ->> '$' as timestamptz) as deployed_at,
        j[5] ->> '$' as deployed_at_raw,
        coalesce(
            j[6] ->> '$',
            case when try_cast(j[7] ->> '$' as boolean) then 'automated' end
        ) as initiated_by,
        coalesce(try_cast(j[7] ->> '$' as boolean), false) as is_automated
    from source
)

select * from renamed
