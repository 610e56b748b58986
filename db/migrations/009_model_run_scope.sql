-- A model run may rebuild part of a study's models: after an upload the direct figures are
-- published first (scope 'direct': every model but the small-area ones, which keep their last
-- state) and the model-based ones follow (scope 'model_based': the small-area models and those
-- built on them). data_as_of is the moment whose committed uploads the run's figures hold: its
-- own start, or for a 'model_based' run the start of the 'direct' run it completes.
alter table model_runs add column scope varchar default 'all';
alter table model_runs add column data_as_of timestamptz;
update model_runs set scope = 'all', data_as_of = started_at;
