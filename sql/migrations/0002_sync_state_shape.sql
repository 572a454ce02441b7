-- Every stream's state in one shape (etl/warehouse/sync_state.py, StreamState):
--   {"checked_through_run": int, "gone_ids": [id], "open_ids": [id], "watermark": ISO time | null}
-- Rows saved before it: PagerDuty incidents {"watermark", "open_ids", "gone_ids" (if any)},
-- its details pass {"checked_through_run"}, Opsgenie {"watermark_ms" (epoch ms), "open"}.
update sync_state set state = json_object(
    'checked_through_run', coalesce(try_cast(state ->> 'checked_through_run' as bigint), 0),
    'gone_ids', coalesce(state -> 'gone_ids', '[]'::json),
    'open_ids', coalesce(state -> 'open_ids', state -> 'open', '[]'::json),
    'watermark', coalesce(
        state ->> 'watermark',
        strftime(
            make_timestamp(try_cast(state ->> 'watermark_ms' as bigint) * 1000),
            '%Y-%m-%dT%H:%M:%S.%f+00:00'
        )
    )
);
