-- One row per Argo CD application (GET /api/v1/applications): the current operation state,
-- which alone shows failed or running syncs (never recorded in status.history). One parse per
-- payload (json_extract_string with a list of paths).
with source as (
    select
        object_id,
        fetched_at,
        json_extract_string(payload, [
            '$.spec.project', '$.spec.revisionHistoryLimit', '$.status.operationState.phase',
            '$.status.operationState.startedAt', '$.status.operationState.finishedAt',
            '$.status.operationState.message',
            '$.status.operationState.operation.sync.revision',
            '$.status.operationState.syncResult.revision', '$.status.sync.status',
            '$.status.health.status'
        ]) as f
    from raw_objects
    where source = 'argocd' and object_type = 'application' and deleted_at is null
),

renamed as (
    select
        object_id as app,
        f[1] as project,
        try_cast(f[2] as bigint) as revision_history_limit,
        f[3] as operation_phase,
        try_cast(f[4] as timestamptz) as operation_started_at,
        try_cast(f[5] as timestamptz) as operation_finished_at,
        f[6] as operation_message,
        coalesce(f[7], f[8]) as operation_revision,
        f[9] as sync_status,
        f[10] as health_status,
        fetched_at
    from source
)

select * from renamed
