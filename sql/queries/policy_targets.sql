-- The policy's targets per severity (config [policy.sevN]), in seconds; null = no target.
select
    severity,
    ack_target_seconds,
    resolve_target_seconds,
    postmortem_window_seconds,
    postmortem_window_business_days
from cfg_policy
order by severity
