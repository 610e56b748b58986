-- Personal data in rejected rows. Earlier versions stored the cells of every rejected row,
-- and the value of every failed check, as read: personal columns (names, phone numbers) in
-- clear. The database does not record which columns a study marks personal, so those cells
-- and values are removed; the reasons and counts stay. From this version on, the ingest
-- stores them with the study's rules applied (a dropped column empty, an HMACed one as its
-- marked hash).
delete from quarantine_rows;
update quarantine set value = null where value is not null;

-- Uploads refused as a whole (strict mode, or every row rejected): nothing lands, but their
-- rejected rows (masked as above, in quarantine and quarantine_rows under this upload_id)
-- stay downloadable until expires_at, so the team can see what was wrong.
create table refused_uploads (
  upload_id varchar primary key,
  study_id varchar not null,
  wave_id varchar not null,
  file_name varchar not null,
  header json,
  reason_code varchar not null,
  n_rows_read bigint not null,
  n_rejected bigint not null,
  refused_by varchar not null,
  refused_at timestamptz not null default now(),
  expires_at timestamptz not null
);
