-- Deploys lost to Argo CD's history truncation (revisionHistoryLimit, default 10): history ids
-- increase by 1 per sync, so a jump between two ids we kept means deploys never seen.
with ids as (
    select app, history_id, deployed_at,
        lead(history_id) over (partition by app order by history_id) as next_id,
        lead(deployed_at) over (partition by app order by history_id) as next_deployed_at
    from stg_argocd__history
    where history_id is not null
)

select
    app,
    history_id as last_seen_id,
    next_id as next_seen_id,
    next_id - history_id - 1 as lost_deploys,
    deployed_at as gap_starts_after,
    next_deployed_at as gap_ends_before
from ids
where next_id is not null and next_id - history_id > 1
