-- The bucket a row's local date falls in (see period_buckets).
create or replace temp macro bucket_of(local_date, since, grain) as
    case when grain = 'week' then cast(date_trunc('week', local_date) as date)
         else cast(since as date) end
