-- One row per Argo CD application sync-history entry (status.history): a deploy.
-- The connector lands each entry on its own, keyed (app, id), because Argo CD truncates the
-- history to revisionHistoryLimit: entries seen once are kept after they leave the API.
with source as (
    select object_id, parent_id, payload
    from raw_objects
    where source = 'argocd' and object_type = 'history_entry' and deleted_at is null
),

renamed as (
    select
        parent_id as app,
        try_cast(payload ->> 'id' as bigint) as history_id,
        coalesce(
            nullif(payload ->> 'revision', ''),
            array_to_string(try_cast(payload -> 'revisions' as varchar[]), ',')
        ) as revision,
        try_cast(payload ->> 'deployStartedAt' as timestamptz) as deploy_started_at,
        try_cast(payload ->> 'deployedAt' as timestamptz) as deployed_at,
        payload ->> 'deployedAt' as deployed_at_raw,
        coalesce(
            payload -> 'initiatedBy' ->> 'username',
            case when try_cast(payload -> 'initiatedBy' ->> 'automated' as boolean)
                then 'automated' end
        ) as initiated_by,
        coalesce(try_cast(payload -> 'initiatedBy' ->> 'automated' as boolean), false)
            as is_automated
    from source
)

select * from renamed
