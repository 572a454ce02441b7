-- One row per Argo CD application (GET /api/v1/applications): the current operation state,
-- which alone shows failed or running syncs (never recorded in status.history).
with source as (
    select object_id, payload, fetched_at
    from raw_objects
    where source = 'argocd' and object_type = 'application' and deleted_at is null
),

renamed as (
    select
        object_id as app,
        payload -> 'spec' ->> 'project' as project,
        try_cast(payload -> 'spec' ->> 'revisionHistoryLimit' as bigint) as revision_history_limit,
        payload -> 'status' -> 'operationState' ->> 'phase' as operation_phase,
        try_cast(payload -> 'status' -> 'operationState' ->> 'startedAt' as timestamptz)
            as operation_started_at,
        try_cast(payload -> 'status' -> 'operationState' ->> 'finishedAt' as timestamptz)
            as operation_finished_at,
        payload -> 'status' -> 'operationState' ->> 'message' as operation_message,
        coalesce(
            payload -> 'status' -> 'operationState' -> 'operation' -> 'sync' ->> 'revision',
            payload -> 'status' -> 'operationState' -> 'syncResult' ->> 'revision'
        ) as operation_revision,
        payload -> 'status' -> 'sync' ->> 'status' as sync_status,
        payload -> 'status' -> 'health' ->> 'status' as health_status,
        fetched_at
    from source
)

select * from renamed
