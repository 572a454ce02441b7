-- The change-detection hash of raw_objects: DuckDB's 64-bit hash() of the payload's text, in
-- place of its sha256, at a tenth of the cost (etl/warehouse/landing.py). It only has to tell
-- an unchanged re-fetch from a changed one, so it need not be cryptographic: a changed payload
-- keeps its previous hash with a chance of 2^-64. DuckDB does not promise that hash() stays
-- the same across its versions: if an upgrade changed it, each object would be rewritten once,
-- as changed, the next time it is fetched (docs/architecture.md).
alter table raw_objects add column payload_hash ubigint not null default 0;
update raw_objects set payload_hash = hash(payload::varchar);
alter table raw_objects drop column payload_sha;
alter table raw_objects alter column payload_hash drop default;
