-- Raw landing: every API object verbatim, one row per (source, object_type, object_id).
-- The latest version wins (upsert by key when the payload's sha changes); a snapshot-type source
-- (postmortem files, the actions CSV) marks objects it no longer sees as deleted, never drops them.
create table raw_objects (
    source        varchar not null,   -- pagerduty | opsgenie | argocd | postmortems
    object_type   varchar not null,   -- incident | log_entry | alert | history_entry | postmortem | ...
    object_id     varchar not null,   -- the API's id, or a composite for objects without one
    parent_id     varchar,            -- e.g. the alert of an Opsgenie alert log line
    payload       json not null,      -- the object exactly as the API (or file reader) gave it
    payload_sha   varchar not null,   -- sha256 of payload: an unchanged re-fetch writes nothing
    fetched_at    timestamptz not null,
    sync_run_id   bigint,
    deleted_at    timestamptz,        -- set when a full read of a snapshot source no longer has it
    primary key (source, object_type, object_id)
);

-- What could not be landed as an object (not JSON, no id, unreadable file or row), verbatim,
-- with the reason. Keyed by content so a re-run does not add the same reject twice.
create table raw_rejects (
    source        varchar not null,
    object_type   varchar not null,
    body_sha      varchar not null,
    location      varchar,            -- URL of the page, or file:line
    reason        varchar not null,
    body          varchar,
    fetched_at    timestamptz not null,
    sync_run_id   bigint,
    primary key (source, object_type, body_sha)
);

create sequence sync_run_ids start 1;

-- One row per source per run.
create table sync_runs (
    run_id        bigint not null,
    source        varchar not null,
    started_at    timestamptz not null,
    finished_at   timestamptz,
    status        varchar not null,   -- running | success | failed
    full_sync     boolean not null default false,
    counts        json,               -- fetched/changed per object type, requests made
    records       bigint,             -- objects landed (new or changed)
    error         varchar,
    primary key (run_id, source)
);

-- Incremental cursors and other per-stream ETL state.
create table sync_state (
    source        varchar not null,
    stream        varchar not null,
    state         json not null,
    updated_at    timestamptz not null,
    primary key (source, stream)
);
