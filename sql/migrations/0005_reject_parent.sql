-- The parent of a rejected child record (an Opsgenie alert's log line or an incident's timeline
-- entry, a JSM alert's log line): the next run fetches that parent's children again while the
-- reject is pending, even when the parent itself is unchanged, so the record lands once the
-- source sends it whole (etl/warehouse/landed.py, parents_with_pending_rejects;
-- docs/operations.md). Null for a top-level record.
alter table raw_rejects add column parent_id varchar;
-- rejects kept before: their parent is in the URL of the page they came from
-- (/v2/alerts/{id}/logs, /v2/incident-timelines/{id}/entries, JSM's /v1/alerts/{id}/logs)
update raw_rejects
set parent_id = nullif(
    regexp_extract(
        location, '/(?:alerts|incident-timelines)/([^/?#]+)/(?:logs|entries)(?:[?#]|$)', 1
    ),
    '')
where source in ('opsgenie', 'jsm') and object_type in ('alert_log', 'timeline_entry');
