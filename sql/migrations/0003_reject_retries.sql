-- Rejected records are fetched again on the next runs until they land or are quarantined
-- (etl/warehouse/landing.py, settle_rejects; docs/operations.md):
--   record_sha      sha256 of reason and body: the same record again, whatever page it was on
--   attempts        runs that rejected it (a run that re-reads it and lands it deletes it)
--   quarantined_at  when it was given up on: [sync] reject_retries runs rejected it again
alter table raw_rejects add column record_sha varchar;
alter table raw_rejects add column attempts integer default 1;
alter table raw_rejects add column quarantined_at timestamptz;
update raw_rejects set record_sha = sha256(reason || chr(10) || body), attempts = 1;
-- rejects kept before retries existed were never fetched again, and a run would not know
-- whether it re-read them: they stay, as quarantined (a --full run reads them again)
update raw_rejects set quarantined_at = fetched_at;
