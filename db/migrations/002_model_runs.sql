-- History of model runs, so the server and CLI can say when marts were last built.
create table model_runs (
  run_id varchar primary key,
  study_id varchar not null,
  started_at timestamptz not null,
  finished_at timestamptz,
  status varchar not null check (status in ('running', 'succeeded', 'failed')),
  message varchar
);
