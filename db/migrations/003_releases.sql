-- Frozen releases of a wave's marts: a canonical file beside the database, checked against
-- its sha256 on every read. Marts themselves are built by the model runner (models/), one
-- relation per model and study, `<model>__<study_id>`.
create table releases (
  release_id varchar primary key,
  study_id varchar not null,
  wave_id varchar not null,
  created_at timestamptz not null default now(),
  created_by varchar not null,
  file_name varchar not null,
  sha256 varchar not null,
  n_rows bigint not null,
  methodology_version varchar not null,
  supersedes_release_id varchar
);
