"""What a connector may ask about the objects already landed (and the records rejected),
named by what it needs.

Connectors never query ``raw_objects`` or ``raw_rejects`` themselves (they get these through
:class:`opskpi.etl.context.SyncContext`): their columns and their bookkeeping (run ids,
deletion marks, attempts) are the warehouse's business. Deleted objects count as not landed.
"""

from __future__ import annotations

from typing import Literal

import duckdb

DetailKind = Literal["alerts", "custom_fields"]


def landed_field(
    con: duckdb.DuckDBPyConnection,
    source: str,
    object_type: str,
    ids: list[str],
    field: str,
) -> dict[str, str | None]:
    """The top-level ``field`` (as text) of each landed object among ``ids``."""
    if not ids:
        return {}
    rows = con.execute(
        """
        select object_id, json_extract_string(payload, $path)
        from raw_objects
        where source = $source and object_type = $type and deleted_at is null
          and list_contains($ids, object_id)
        """,
        {"path": f"$.{field}", "source": source, "type": object_type, "ids": ids},
    ).fetchall()
    return {str(object_id): value for object_id, value in rows}


def has_landed(con: duckdb.DuckDBPyConnection, source: str, object_type: str) -> bool:
    """Whether any object of ``object_type`` is landed."""
    rows = con.execute(
        """
        select exists (
            select 1 from raw_objects
            where source = $source and object_type = $type and deleted_at is null
        )
        """,
        {"source": source, "type": object_type},
    ).fetchall()
    return bool(rows[0][0])


def parents_with_pending_rejects(
    con: duckdb.DuckDBPyConnection,
    source: str,
    child_type: str,
    parent_ids: list[str],
    *,
    before_run: int,
) -> set[str]:
    """The ids among ``parent_ids`` with a child of ``child_type`` (e.g. an alert's log line)
    that a run before ``before_run`` rejected and that is not quarantined: their children are
    to be fetched again even when the parent itself is unchanged, or the reject, not met again,
    would be taken for resolved and the child lost (``etl/warehouse/landing.py``,
    ``settle_rejects``; docs/operations.md)."""
    if not parent_ids:
        return set()
    rows = con.execute(
        """
        select distinct parent_id
        from raw_rejects
        where source = $source and object_type = $type and quarantined_at is null
          and sync_run_id < $run and list_contains($ids, parent_id)
        """,
        {"source": source, "type": child_type, "run": before_run, "ids": parent_ids},
    ).fetchall()
    return {str(r[0]) for r in rows}


# the trigger log entry of incident i (l) has a runbook: a link context, or a runbook in the
# channel details (the first alert's custom details); as int_pagerduty__incidents reads them
_TRIGGER_RUNBOOK = """
    (len(list_filter(
        coalesce(try_cast(l.payload -> 'contexts' as json[]), []),
        lambda c: c ->> 'type' = 'link'
            and (coalesce(c ->> 'text', '') ilike '%runbook%'
                 or coalesce(c ->> 'href', '') ilike '%runbook%')
    )) > 0
     or coalesce(l.payload -> 'channel' -> 'details' ->> 'runbook_url', '') <> ''
     or coalesce(l.payload -> 'channel' -> 'details' ->> 'runbook', '') <> '')
"""

_TRIGGER = """
    select 1 from raw_objects as l
    where l.source = 'pagerduty' and l.object_type = 'log_entry' and l.deleted_at is null
      and l.parent_id = i.object_id and l.payload ->> 'type' = 'trigger_log_entry'
"""

_DETAIL_CANDIDATES = f"""
select i.object_id
from raw_objects as i
where i.source = 'pagerduty' and i.object_type = 'incident' and i.deleted_at is null
  and ($full or i.sync_run_id > $checkpoint)
  and ($kind <> 'alerts' or not exists ({_TRIGGER} and {_TRIGGER_RUNBOOK}))
  and ($kind <> 'alerts'
       or coalesce(try_cast(i.payload -> 'alert_counts' ->> 'all' as bigint), 1) > 1
       or not exists ({_TRIGGER}
                      and json_type(l.payload -> 'channel' -> 'details') = 'OBJECT'))
  and ($kind <> 'alerts' or $full
       or coalesce(try_cast(i.payload -> 'alert_counts' ->> 'all' as bigint), 1) > (
        select count(*) from raw_objects as a
        where a.source = 'pagerduty' and a.object_type = 'alert'
          and a.parent_id = i.object_id))
  and ($kind <> 'custom_fields' or i.payload ->> 'status' = 'resolved' or not exists (
        select 1 from raw_objects as f
        where f.source = 'pagerduty' and f.object_type = 'incident_custom_fields'
          and f.object_id = i.object_id))
order by i.object_id
"""


def pagerduty_detail_candidates(
    con: duckdb.DuckDBPyConnection, kind: DetailKind, *, full: bool, checked_through_run: int
) -> list[str]:
    """PagerDuty incidents whose ``alerts`` or ``custom_fields`` are to be fetched: those
    landed or changed by a run after ``checked_through_run`` (every one when ``full``) that
    need them; the rules are in ``etl/sources/pagerduty/details.py``. An upsert stamps a row
    with the run id only when its payload changed, so ``sync_run_id > checked_through_run`` is
    exactly what changed since, including what a killed run landed."""
    rows = con.execute(
        _DETAIL_CANDIDATES, {"full": full, "checkpoint": checked_through_run, "kind": kind}
    ).fetchall()
    return [str(r[0]) for r in rows]
