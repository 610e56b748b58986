import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { qnorm } from "../analysis/distributions/qnorm.ts";
import { FIGURE_RULE_MACROS } from "../analysis/figureRules.ts";
import type { Database, TurnSession } from "../db/index.ts";
import { quoteIdent, takingTurns, withDuckdbThreads } from "../db/index.ts";
import { rawColumnTypes, rawTableName, registerStudy } from "../ingest/index.ts";
import { designSourceColumns, MODEL_COLUMNS, type Study } from "../study/index.ts";
import { checkContract } from "./runner/checkContract.ts";
import { loadModels, type Model, type ModelContext, renderSql } from "./runner/loadModels.ts";

export const MODELS_DIR = import.meta.dirname;

export interface ModelTiming {
  model: string;
  /** the model's build and its contract check */
  seconds: number;
  /** of which the contract check */
  checkSeconds: number;
  /** when the build started and ended, seconds from the run's start (models overlap) */
  startedAt: number;
  builtAt: number;
}

export type RunScope = "all" | "direct" | "later";

export interface RunResult {
  runId: string;
  studyId: string;
  /** What the run rebuilt (see runInTwoSteps): a 'direct' run is followed by a 'later' one. */
  scope: RunScope;
  timings: ModelTiming[];
}

/**
 * "finished" (RunResult) after every successful run; the server refreshes its snapshot there.
 * "failed" (RunResult) after a failed one (its changes rolled back).
 */
export const modelEvents = new EventEmitter();

/** The relation a model builds for a study. */
export const relationName = (model: string, studyId: string) => `${model}__${studyId}`;

/** Study parameters models may use as bound values ($name). */
export function studyParams(study: Study): Record<string, string | number> {
  return {
    study_id: study.id,
    confidence_level: study.reporting.confidence_level,
    // the two-sided normal quantile of the confidence level (1.959964 at 95%), for intervals in SQL
    z_two_sided: qnorm(1 - (1 - study.reporting.confidence_level) / 2),
    min_n: study.reporting.min_n,
    max_rse: study.reporting.max_rse,
    unreliable_rse: study.reporting.unreliable_rse,
    village_min_n: study.reporting.village_min_n,
    weight_method: study.design.base_weights.method,
    calibration_method: study.calibration.margins.length ? study.calibration.method : "none",
  };
}

/** Only the parameters a statement uses (DuckDB refuses unused named parameters). */
export function usedParams(
  sql: string,
  params: Record<string, string | number>,
): Record<string, string | number> {
  return Object.fromEntries(Object.entries(params).filter(([name]) => new RegExp(`\\$${name}\\b`).test(sql)));
}

/**
 * Sources: the study's raw table, with pseudonymised personal columns left out before
 * anything reads them, and the design columns study.yaml names given canonical names
 * (stratum_code, psu_code, delivered_weight), so models need no configuration in their SQL.
 */
function sourceSql(study: Study, name: string): string {
  if (name !== "raw_responses") throw new Error(`unknown source ${name}`);
  const q = quoteIdent;
  const personal = study.personal_data.filter((p) => p.action === "hmac").map((p) => q(p.column));
  // a design column named like a model column (a delivered weight column called base_weight)
  // is read into the model's column below and left out of `*`, so no name is there twice
  const renamed = designSourceColumns(study)
    .filter((c) => (MODEL_COLUMNS as readonly string[]).includes(c))
    .map(q);
  // open answers may hold names and phone numbers: only stg_open_answers reads them, and masks them
  for (const it of study.open_answers?.items ?? [])
    if (rawColumnTypes(study).has(it.item)) personal.push(q(it.item));
  const bw = study.design.base_weights;
  const weight = bw.method === "column" ? `try_cast(${q(bw.column)} as double)` : "cast(null as double)";
  // answers stored as numbers (rawColumnTypes) come back as the text of their codes, before
  // anything (the design columns too) reads them
  const typed = [...rawColumnTypes(study)].filter(([, type]) => type !== "VARCHAR").map(([c]) => q(c));
  const replace = typed.length
    ? `replace (${typed.map((c) => `cast(${c} as varchar) as ${c}`).join(", ")})`
    : "";
  return `(select * ${renamed.length ? `exclude (${[...new Set(renamed)].join(", ")})` : ""},
      ${q(study.design.strata ?? study.frame.stratum)} as stratum_code,
      ${q(study.design.ids?.[0] ?? study.frame.psu)} as psu_code,
      ${weight} as delivered_weight
    from (select * ${personal.length ? `exclude (${personal.join(", ")})` : ""} ${replace}
      from ${q(rawTableName(study.id))}))`;
}

let loaded: Promise<Model[]> | undefined;

/** Every model, in dependency order (loaded once per process). */
export function allModels(): Promise<Model[]> {
  if (!loaded) loaded = loadModels(MODELS_DIR);
  return loaded;
}

/**
 * Rebuild every model of a study, in dependency order, in ONE transaction: seeds from
 * study.yaml, staging views, intermediate and mart tables (SQL, or TypeScript that calls the
 * statistics engine), each checked against its contract. A failure rolls everything back,
 * so the last good marts stay in place, and names the model and the broken rule.
 */
export async function runModels(
  db: Database,
  study: Study,
  options: {
    onProgress?: (model: string, index: number, total: number) => void;
    models?: Model[];
    /**
     * Which part of the models the run rebuilds, for model_runs (see runInTwoSteps): 'all'
     * (default), 'direct' or 'later'. A 'later' run names the 'direct' run it completes
     * (`completes`): its figures hold the uploads that run saw.
     */
    scope?: RunScope;
    completes?: string;
  } = {},
): Promise<RunResult> {
  const models = options.models ?? (await allModels());
  const runId = `run_${new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14)}_${randomBytes(3).toString("hex")}`;
  await registerStudy(db, study);
  await db.run(
    `insert into model_runs (run_id, study_id, started_at, status, scope, data_as_of)
     values ($1, $2, now(), 'running', $3,
       coalesce((select data_as_of from model_runs where run_id = $4), now()))`,
    [runId, study.id, options.scope ?? "all", options.completes ?? ""],
  );
  const timings: ModelTiming[] = [];
  try {
    const threads = await runThreads(db, study);
    await withDuckdbThreads(db, threads, () =>
      db.withSession((session) =>
        session.transaction(async (connection) => {
          const tx = takingTurns(connection);
          // the figures' rules the SQL models call (suppression, change p-values), one definition
          for (const macro of FIGURE_RULE_MACROS) await tx.run(macro);
          const shared = new Map<string, unknown>();
          // each model starts when the models it depends on are built, so independent ones overlap:
          // one's statistics on the compute threads while another's SQL or JavaScript runs here
          // (their statements take turns on the run's one connection, in its one transaction).
          // A model's contract is checked beside the models built on it, not before them: a broken
          // contract still fails the run (and rolls it all back), reported before any later model's failure
          const built = new Map<string, Promise<void>>();
          const checked: Promise<void>[] = [];
          let started = 0;
          const runStart = performance.now();
          for (const model of models) {
            const before = [...model.dependsOn, ...model.runsAfter]
              .map((d) => built.get(d))
              .filter((p) => p !== undefined);
            const build = Promise.all(before).then(async () => {
              options.onProgress?.(model.name, started++, models.length);
              const start = performance.now();
              const check = await buildModel(tx, study, model, shared);
              return { start, check, built: performance.now() };
            });
            const ready = build.then(() => undefined);
            ready.catch(() => undefined); // its failure is reported through `checked`
            built.set(model.name, ready);
            checked.push(
              build.then(async ({ start, check, built }) => {
                const checkSeconds = await check();
                timings.push({
                  model: model.name,
                  seconds: (performance.now() - start) / 1000,
                  checkSeconds,
                  startedAt: (start - runStart) / 1000,
                  builtAt: (built - runStart) / 1000,
                });
              }),
            );
          }
          // every model settles before the transaction ends (none is left running into the
          // rollback); the first failure, in dependency order, is the one reported
          const settled = await Promise.allSettled(checked);
          const failed = settled.find((r) => r.status === "rejected");
          if (failed) throw (failed as PromiseRejectedResult).reason;
        }),
      ),
    );
    await db.run("update model_runs set status = 'succeeded', finished_at = now() where run_id = $1", [
      runId,
    ]);
  } catch (error) {
    await db.run(
      "update model_runs set status = 'failed', finished_at = now(), message = $2 where run_id = $1",
      [runId, (error as Error).message],
    );
    modelEvents.emit("failed", { runId, studyId: study.id, scope: options.scope ?? "all", timings });
    throw error;
  }
  const result: RunResult = { runId, studyId: study.id, scope: options.scope ?? "all", timings };
  modelEvents.emit("finished", result);
  return result;
}

/**
 * Up to this many responses (the study's raw rows, every wave), a model run holds DuckDB to one
 * thread: its statements are small, and a second DuckDB thread only takes a core from the run's
 * own threads (see withDuckdbThreads). Measured on 2 cores: the demo study's run (6,000
 * responses) took 15% less time and 20% less CPU on one thread (paired runs, 8.3 s against 9.8 s);
 * at 100,000 responses the two were alike (41 s); a million took 421 s on one thread, 422 s on
 * two. Above this size DuckDB keeps its threads, where a machine with more cores would use them.
 */
export const SMALL_RUN_ROWS = 200_000;

/**
 * DuckDB's threads for a model run (null: as they are): BAROMETER_DUCKDB_THREADS when set
 * (a number), otherwise one thread for a study of at most SMALL_RUN_ROWS responses.
 */
async function runThreads(db: Database, study: Study): Promise<number | null> {
  const asked = process.env.BAROMETER_DUCKDB_THREADS;
  if (asked !== undefined && asked !== "") {
    const n = Number(asked);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`BAROMETER_DUCKDB_THREADS: not a number of threads: ${JSON.stringify(asked)}`);
    return n;
  }
  const [row] = await db.query<{ n: number }>(
    `select count(*)::double as n from ${quoteIdent(rawTableName(study.id))}`,
  );
  return Number(row?.n ?? 0) <= SMALL_RUN_ROWS ? 1 : null;
}

async function buildModel(
  tx: TurnSession,
  study: Study,
  model: Model,
  shared: Map<string, unknown>,
): Promise<() => Promise<number>> {
  const ref = (name: string) => relationName(name, study.id);
  const self = ref(model.name);
  const params = studyParams(study);
  const render = (sql: string) =>
    renderSql(
      sql.replaceAll("{{ this }}", quoteIdent(self)),
      (name) => quoteIdent(ref(name)),
      (name) => sourceSql(study, name),
    );
  try {
    if (model.kind === "sql") {
      const body = render(model.sql!);
      if (model.materialized === "view") {
        await tx.run(`create or replace view ${quoteIdent(self)} as\n${body}`);
      } else {
        await tx.run(`create or replace table ${quoteIdent(self)} as\n${body}`, usedParams(body, params));
      }
    } else {
      const ctx: ModelContext = { session: tx, study, ref, self, shared };
      await model.module!.build(ctx);
    }
  } catch (error) {
    throw new Error(
      `model ${model.name} (${model.file.slice(model.file.indexOf("models/"))}) failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
  // the check, for the caller to run beside the models built on this one
  return async () => {
    const start = performance.now();
    // after the statements the run's next models wait for (nothing waits for a check)
    await checkContract(tx.unhurried, model.name, self, model.contract, render, params);
    return (performance.now() - start) / 1000;
  };
}
