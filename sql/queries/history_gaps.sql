-- Argo CD history truncated between syncs: deploys never seen (health/argocd_history_gaps).
with settings as (
    select timezone from cfg_settings
)

select
    argocd_history_gaps.app,
    argocd_history_gaps.last_seen_id,
    argocd_history_gaps.next_seen_id,
    argocd_history_gaps.lost_deploys,
    timezone(settings.timezone, argocd_history_gaps.gap_starts_after) as gap_starts_after_local,
    timezone(settings.timezone, argocd_history_gaps.gap_ends_before) as gap_ends_before_local
from argocd_history_gaps
cross join settings
order by argocd_history_gaps.gap_starts_after desc, argocd_history_gaps.app
