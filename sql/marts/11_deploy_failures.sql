-- Failed, errored or running Argo CD operations: shown next to the deploys, never counted as
-- deploys (only successful syncs are). They exist only in the application's operationState.
select
    app,
    operation_phase as phase,
    operation_started_at as started_at,
    operation_finished_at as finished_at,
    operation_revision as revision,
    operation_message as message
from stg_argocd__applications
where operation_phase in ('Failed', 'Error', 'Running', 'Terminating')
