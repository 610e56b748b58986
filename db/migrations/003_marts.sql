-- The sampling frame of each study, refreshed from its folder on every model run.
create table frame_units (
  study_id varchar not null,
  stratum varchar not null,
  psu varchar not null,
  population double not null,
  stratum_name_zh varchar not null,
  stratum_name_en varchar not null,
  psu_name_zh varchar not null,
  psu_name_en varchar not null,
  primary key (study_id, psu)
);

-- Weighted index estimates: one row per study, wave, organization, index, level and unit.
create table index_estimates (
  study_id varchar not null,
  wave_id varchar not null,
  organization_id varchar not null,
  index_id varchar not null,
  level varchar not null,
  unit_code varchar not null,
  estimate_0_100 double,
  se_0_100 double,
  ci_low_0_100 double,
  ci_high_0_100 double,
  df double,
  deff double,
  n_respondents bigint not null,
  n_effective double,
  weighting varchar not null,
  run_id varchar not null,
  primary key (study_id, wave_id, organization_id, index_id, level, unit_code)
);

-- Organization names, for the pages (refreshed from study.yaml on every model run).
create table organizations (
  study_id varchar not null,
  organization_id varchar not null,
  name_zh varchar not null,
  name_en varchar not null,
  sort_order integer not null,
  primary key (study_id, organization_id)
);
