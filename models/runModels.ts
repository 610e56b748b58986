import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { surveyDesign, surveyProportion } from "../analysis/index.ts";
import type { Database } from "../db/index.ts";
import { quoteIdent } from "../db/index.ts";
import { rawTableName, registerStudy } from "../ingest/index.ts";
import type { IndexDefinition, Study } from "../study/index.ts";

export interface ModelTiming {
  model: string;
  seconds: number;
}

export interface RunResult {
  runId: string;
  timings: ModelTiming[];
  estimates: number;
}

/** Subscribe to "finished" (RunResult & {studyId}) to react to fresh marts. */
export const modelEvents = new EventEmitter();

export const stagingView = (studyId: string) => `stg_responses__${studyId}`;
export const weightedTable = (studyId: string) => `int_responses_weighted__${studyId}`;

/**
 * Rebuild a study's models: staging (loaded uploads only), base weights from the frame,
 * and the index estimates mart. The marts are replaced in one transaction, so a failed run
 * leaves the last good ones in place.
 */
export async function runModels(
  db: Database,
  study: Study,
  onProgress: (step: string) => void = () => {},
): Promise<RunResult> {
  const runId = `run_${new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14)}_${randomBytes(3).toString("hex")}`;
  const timings: ModelTiming[] = [];
  const timed = async <T>(model: string, work: () => Promise<T>): Promise<T> => {
    onProgress(model);
    const start = performance.now();
    const result = await work();
    timings.push({ model, seconds: (performance.now() - start) / 1000 });
    return result;
  };
  await db.run(
    "insert into model_runs (run_id, study_id, started_at, status) values ($1, $2, now(), 'running')",
    [runId, study.id],
  );
  try {
    await registerStudy(db, study);
    await timed("frame_units", () => refreshFrame(db, study));
    await timed(stagingView(study.id), () => buildStaging(db, study));
    await timed(weightedTable(study.id), () => buildWeights(db, study));
    const rows = await timed("index_estimates", () => estimateIndices(db, study));
    await db.transaction(async (tx) => {
      await tx.run("delete from index_estimates where study_id = $1", [study.id]);
      const appender = await tx.connection.createAppender("index_estimates");
      for (const r of rows) {
        appender.appendVarchar(study.id);
        appender.appendVarchar(r.wave);
        appender.appendVarchar(r.organization);
        appender.appendVarchar(r.index);
        appender.appendVarchar(r.level);
        appender.appendVarchar(r.unit);
        for (const v of [r.estimate, r.se, r.ciLow, r.ciHigh, r.df, r.deff]) {
          if (v === null || !Number.isFinite(v)) appender.appendNull();
          else appender.appendDouble(v);
        }
        appender.appendBigInt(BigInt(r.n));
        appender.appendDouble(r.nEff);
        appender.appendVarchar("base");
        appender.appendVarchar(runId);
        appender.endRow();
      }
      appender.closeSync();
    });
    await db.run("update model_runs set status = 'succeeded', finished_at = now() where run_id = $1", [
      runId,
    ]);
    const result = { runId, timings, estimates: rows.length };
    modelEvents.emit("finished", { ...result, studyId: study.id });
    return result;
  } catch (error) {
    await db.run(
      "update model_runs set status = 'failed', finished_at = now(), message = $2 where run_id = $1",
      [runId, (error as Error).message],
    );
    throw error;
  }
}

async function refreshFrame(db: Database, study: Study): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run("delete from organizations where study_id = $1", [study.id]);
    for (const [i, o] of study.organizations.entries()) {
      await tx.run("insert into organizations values ($1, $2, $3, $4, $5)", [
        study.id,
        o.id,
        o.name.zh,
        o.name.en,
        i,
      ]);
    }
    await tx.run("delete from frame_units where study_id = $1", [study.id]);
    const appender = await tx.connection.createAppender("frame_units");
    for (const u of study.units) {
      appender.appendVarchar(study.id);
      appender.appendVarchar(u.stratum);
      appender.appendVarchar(u.psu);
      appender.appendDouble(u.population);
      appender.appendVarchar(u.stratumName.zh);
      appender.appendVarchar(u.stratumName.en);
      appender.appendVarchar(u.psuName.zh);
      appender.appendVarchar(u.psuName.en);
      appender.endRow();
    }
    appender.closeSync();
  });
}

/** Staging: the responses of loaded uploads only (superseded and retracted ones drop out). */
async function buildStaging(db: Database, study: Study): Promise<void> {
  await db.run(
    `create or replace view ${quoteIdent(stagingView(study.id))} as
     select r.*
     from ${quoteIdent(rawTableName(study.id))} as r
     join uploads as u on u.upload_id = r.upload_id
     where u.status = 'loaded'`,
  );
}

/**
 * Base weights. For `pps_srs`: w = N_h / (m_h * n_hi), N_h the stratum population in the
 * frame, m_h the sampled PSUs of the stratum in the wave, n_hi the respondents of the PSU.
 * Design strata and PSUs are prefixed with the wave, so one table holds independent samples.
 */
async function buildWeights(db: Database, study: Study): Promise<void> {
  const q = quoteIdent;
  const stratum = q(study.frame.stratum);
  const psu = q(study.frame.psu);
  const bw = study.design.base_weights;
  const params: Record<string, string> = { study: study.id };
  const bind = (v: string) => {
    const name = `c${Object.keys(params).length}`;
    params[name] = v;
    return `$${name}`;
  };
  const scores = study.indices
    .map((ix) => [scoreColumn(ix), scoreSql(ix, bind)] as const)
    .filter((x): x is readonly [string, string] => x[1] !== null)
    .map(([name, sql]) => `${sql} as ${q(name)}`);
  const weight =
    bw.method === "column"
      ? `try_cast(r.${q(bw.column)} as double)`
      : "stratum_population / (n_psus_in_stratum * n_in_psu)";
  await db.run(
    `create or replace table ${q(weightedTable(study.id))} as
     with responses as (
       select * from ${q(stagingView(study.id))}
     ),
     psu_counts as (
       select wave_id, ${psu} as psu, count(*) as n_in_psu from responses group by all
     ),
     stratum_counts as (
       select wave_id, ${stratum} as stratum, count(distinct ${psu}) as n_psus_in_stratum from responses group by all
     ),
     stratum_population as (
       select stratum, sum(population) as stratum_population from frame_units where study_id = $study group by all
     ),
     final as (
       select
         r.*,
         r.wave_id || '/' || r.${stratum} as design_stratum,
         r.wave_id || '/' || r.${psu} as design_psu,
         ${weight} as base_weight${scores.length ? "," : ""}
         ${scores.join(",\n         ")}
       from responses as r
       join psu_counts as pc on pc.wave_id = r.wave_id and pc.psu = r.${psu}
       join stratum_counts as sc on sc.wave_id = r.wave_id and sc.stratum = r.${stratum}
       join stratum_population as sp on sp.stratum = r.${stratum}
     )
     select * from final`,
    params,
  );
}

export interface IndexRow {
  wave: string;
  organization: string;
  index: string;
  level: string;
  unit: string;
  estimate: number | null;
  se: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  df: number | null;
  deff: number | null;
  n: number;
  nEff: number;
}

/** Column of the weighted table that scores one index definition for each respondent. */
export function scoreColumn(ix: IndexDefinition): string {
  return `score__${ix.index}__${ix.organization}__${ix.level}`;
}

/**
 * Per-respondent scores as SQL, codes bound as values. Awareness and participation: 1 for
 * "yes", 0 otherwise; "don't know" counts as "no" unless the study says "excluded";
 * refusals and missing answers leave the base (NULL).
 */
function scoreSql(ix: IndexDefinition, bind: (v: string) => string): string | null {
  if (ix.index !== "awareness" && ix.index !== "participation") return null;
  const item = `r.${quoteIdent(ix.items[0]!)}`;
  const list = (codes: readonly string[]) => (codes.length ? codes.map(bind).join(", ") : "null");
  const excluded = [...ix.refused, ...((ix.dont_know_as ?? "no") === "excluded" ? ix.dont_know : [])];
  return `case when ${item} is null or ${item} in (${list(excluded)}) then null
               when ${item} in (${list(ix.yes)}) then 1.0 else 0.0 end`;
}

/** District awareness per organization and wave, by Taylor linearization on the base weights. */
async function estimateIndices(db: Database, study: Study): Promise<IndexRow[]> {
  const design = await surveyDesign(db, {
    source: weightedTable(study.id),
    ids: ["design_psu"],
    strata: "design_stratum",
    weights: "base_weight",
    lonelyPsu: study.design.lonely_psu,
  });
  const rows: IndexRow[] = [];
  for (const ix of study.indices.filter((i) => i.index === "awareness" && i.level === "township")) {
    const estimates = await surveyProportion(design, `${quoteIdent(scoreColumn(ix))} = 1`, {
      by: ["wave_id"],
      naRm: true,
      level: study.reporting.confidence_level,
      ci: "logit",
    });
    for (const e of estimates) {
      rows.push({
        wave: String(e.by?.wave_id),
        organization: ix.organization,
        index: "awareness",
        level: "district",
        unit: "",
        estimate: e.estimate * 100,
        se: e.se * 100,
        ciLow: e.ciLow * 100,
        ciHigh: e.ciHigh * 100,
        df: Number.isFinite(e.df) ? e.df : null,
        deff: e.deff,
        n: e.n,
        nEff: e.nEff,
      });
    }
  }
  return rows;
}
