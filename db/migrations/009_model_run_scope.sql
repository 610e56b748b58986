-- A model run may rebuild part of a study's models: after an upload the direct figures are
-- published first (scope 'direct': every model but the slow ones, which keep their last state)
-- and the rest follow (scope 'later': the small-area models, rank intervals, open-answer themes
-- and the models built on them; see models/runInTwoSteps.ts). data_as_of is the moment whose
-- committed uploads the run's figures hold: its own start, or for a 'later' run the start of
-- the 'direct' run it completes.
alter table model_runs add column scope varchar default 'all';
alter table model_runs add column data_as_of timestamptz;
update model_runs set scope = 'all', data_as_of = started_at;
