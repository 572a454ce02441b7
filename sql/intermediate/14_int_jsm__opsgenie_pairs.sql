-- Opsgenie alerts that are also in JSM Operations (an import at the migration, or an alert sent
-- to both during the switch; docs/migration-opsgenie-to-jsm.md): the same alias created within
-- [sources.jsm] pair_window of each other (aliases are reused once an alert closes, so an alias
-- alone is not enough), or the same tinyId and the same createdAt. One to one: a pair is kept
-- when each alert is the other's closest candidate.
with opsgenie as (
    select source_id, tiny_id, created_at, alias from stg_opsgenie__alerts
),

jsm as (
    select source_id, tiny_id, created_at, alias from stg_jsm__alerts
),

settings as (
    select coalesce(jsm_pair_window_seconds, 0) as window_seconds from cfg_settings
),

by_alias as (
    select opsgenie.source_id as opsgenie_id, jsm.source_id as jsm_id
    from opsgenie
    inner join jsm on jsm.alias = opsgenie.alias
    cross join settings
    where abs(epoch(jsm.created_at) - epoch(opsgenie.created_at)) <= settings.window_seconds
),

by_tiny_id as (
    select opsgenie.source_id as opsgenie_id, jsm.source_id as jsm_id
    from opsgenie
    inner join jsm
        on jsm.tiny_id = opsgenie.tiny_id and jsm.created_at = opsgenie.created_at
),

candidates as (
    select
        candidate.opsgenie_id,
        candidate.jsm_id,
        bool_or(candidate.how = 'alias') as by_alias,
        bool_or(candidate.how = 'tiny') as by_tiny_id
    from (
        select *, 'alias' as how from by_alias
        union all
        select *, 'tiny' as how from by_tiny_id
    ) as candidate
    group by candidate.opsgenie_id, candidate.jsm_id
),

measured as (
    select
        candidates.*,
        opsgenie.created_at as opsgenie_created_at,
        jsm.created_at as jsm_created_at,
        abs(epoch(jsm.created_at) - epoch(opsgenie.created_at)) as gap_seconds
    from candidates
    inner join opsgenie on opsgenie.source_id = candidates.opsgenie_id
    inner join jsm on jsm.source_id = candidates.jsm_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by opsgenie_id order by gap_seconds, by_tiny_id desc, jsm_id
        ) as opsgenie_rank,
        row_number() over (
            partition by jsm_id order by gap_seconds, by_tiny_id desc, opsgenie_id
        ) as jsm_rank
    from measured
)

select
    opsgenie_id,
    jsm_id,
    'opsgenie:' || opsgenie_id as opsgenie_key,
    'jsm:' || jsm_id as jsm_key,
    case
        when by_alias and by_tiny_id then 'alias, tinyId and createdAt'
        when by_alias then 'alias'
        else 'tinyId and createdAt'
    end as matched_by,
    opsgenie_created_at,
    jsm_created_at,
    gap_seconds
from ranked
where opsgenie_rank = 1 and jsm_rank = 1
