-- Studies, waves and their codebook versions. One database holds many studies.
create table studies (
  study_id varchar primary key,
  title_zh varchar not null,
  title_en varchar not null,
  definition_sha256 varchar not null,
  study_dir varchar not null,
  registered_at timestamptz not null default now()
);

create table waves (
  study_id varchar not null,
  wave_id varchar not null,
  title_zh varchar not null,
  title_en varchar not null,
  codebook_version varchar not null,
  primary key (study_id, wave_id)
);

-- Provenance of every upload. The file name is only ever shown, never used as a path.
create table uploads (
  upload_id varchar primary key,
  study_id varchar not null,
  wave_id varchar not null,
  file_name varchar not null,
  sha256 varchar not null,
  size_bytes bigint not null,
  format varchar not null,
  encoding varchar,
  delimiter varchar,
  n_rows_read bigint not null,
  n_accepted bigint not null,
  n_rejected bigint not null,
  status varchar not null check (status in ('loaded', 'retracted', 'superseded')),
  replaces_upload_id varchar,
  uploaded_by varchar not null,
  uploaded_at timestamptz not null default now(),
  column_mapping json,
  header json,
  retracted_at timestamptz,
  retracted_by varchar
);

-- Rows refused at ingest, with the reason, one row per problem found.
create table quarantine (
  upload_id varchar not null,
  source_row bigint not null,
  column_name varchar,
  value varchar,
  reason_code varchar not null,
  reason_zh varchar not null,
  reason_en varchar not null
);

-- The original cells of every quarantined row, to export in the original layout.
create table quarantine_rows (
  upload_id varchar not null,
  source_row bigint not null,
  cells json not null,
  primary key (upload_id, source_row)
);

-- Responses land in one wide table per study, `raw_responses__<study_id>`, created from the
-- codebook when the study is registered (see study/registerStudy.ts): upload_id, wave_id,
-- source_row, respondent_id, then one varchar column per codebook item, values as delivered
-- after column and label mapping. Staging types and recodes them.
