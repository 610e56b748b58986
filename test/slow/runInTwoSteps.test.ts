import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { rawTableName } from "../../ingest/index.ts";
import { forgetComputed, modelSteps, runDirectStep, runLaterStep, runModels } from "../../models/index.ts";
import { wavesEstimated } from "../../models/intermediate/indexEstimateSets.ts";
import type { Study } from "../../study/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

// After an upload the server publishes the direct figures first and the slow ones after
// (server/figuresRefresher.ts). Two copies of the demo lose the same respondents; one runs the
// models in two steps, the other in one: every mart must come out the same, and the first step
// must already hold the new direct figures. The two-step copy ran its direct step once before
// (as a server has after its first run): its first step estimates only the wave that changed
// (index_estimates keeps the other waves' figures by their input, in the database), and must still equal the
// one-run copy's, computed from nothing.

const MARTS = [
  "index_estimates",
  "index_scores",
  "published_scores",
  "sae_estimates",
  "sae_diagnostics",
  "rank_intervals",
  "theme_estimates",
  "theme_scores",
  "weighting_diagnostics",
];

let twoSteps: { db: Database; study: Study; dir: string };
let oneRun: { db: Database; study: Study; dir: string };

/** A mart's rows in a stable order. */
async function rowsOf(
  db: Database,
  study: Study,
  model: string,
  where = "true",
): Promise<Record<string, unknown>[]> {
  return db.query(`select * from "${model}__${study.id}" where ${where} order by all`);
}

/**
 * The first difference between two marts (null: none): a row count, or a value. Doubles are
 * equal to 1e-9 relative or 1e-4 absolute (a ten-thousandth of a percentage point, a thousandth
 * of the shown precision), and a null equals a value within 1e-4 of 0: DuckDB's parallel sums
 * differ in the last bits between two runs, so a variance that is 0 up to such bits has a
 * square root of about 1e-7 on the 0-100 scale, an interval on 1 df widens that 12.7-fold, and a
 * design effect of 0/0 comes out as a number or as none. A run that read other data moves
 * figures by far more.
 */
function firstDifference(a: Record<string, unknown>[], b: Record<string, unknown>[]): string | null {
  if (a.length !== b.length) return `${a.length} rows, ${b.length} expected`;
  const near = (x: unknown, y: unknown): boolean => {
    if (typeof x === "number" && typeof y === "number")
      return Math.abs(x - y) <= Math.max(1e-4, 1e-9 * Math.abs(y));
    if (x === null && typeof y === "number") return Math.abs(y) <= 1e-4;
    if (y === null && typeof x === "number") return Math.abs(x) <= 1e-4;
    // JSON text (diagnostics' coefficients): compared value by value
    if (typeof x === "string" && typeof y === "string" && /^[[{]/.test(y) && x !== y)
      return near(JSON.parse(x), JSON.parse(y));
    if (x && y && typeof x === "object" && typeof y === "object" && !(x instanceof Date)) {
      const keys = Object.keys(y);
      return (
        keys.length === Object.keys(x).length &&
        keys.every((k) => near((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]))
      );
    }
    return JSON.stringify(x, bigints) === JSON.stringify(y, bigints);
  };
  for (let i = 0; i < a.length; i++)
    for (const [k, v] of Object.entries(b[i]!))
      if (!near(a[i]![k], v))
        return `row ${i} ${k}: ${JSON.stringify(a[i]![k], bigints)}, ${JSON.stringify(v, bigints)} expected`;
  return null;
}
const bigints = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

/** Every 12th respondent of the last wave retracted, as an upload's retraction would leave the raw table. */
async function loseRespondents(db: Database, study: Study): Promise<void> {
  const raw = `"${rawTableName(study.id)}"`;
  await db.run(
    `delete from ${raw} where respondent_id in (
       select respondent_id from ${raw} where wave_id = '2026'
       qualify row_number() over (order by respondent_id) % 12 = 0)`,
  );
}

beforeAll(async () => {
  twoSteps = await demoDatabase();
  oneRun = await demoDatabase();
  forgetComputed();
  await runDirectStep(twoSteps.db, twoSteps.study, (await modelSteps(twoSteps.db, twoSteps.study))!);
  await loseRespondents(twoSteps.db, twoSteps.study);
  await loseRespondents(oneRun.db, oneRun.study);
}, 300_000);
afterAll(async () => {
  for (const d of [twoSteps, oneRun]) {
    if (!d) continue;
    await closeDatabase(d.db);
    rmSync(d.dir, { recursive: true, force: true });
  }
});

describe("a model run in two steps (direct figures first)", () => {
  it("leaves the slow models for the second step, and builds the calibrated design again with them", async () => {
    const steps = await modelSteps(twoSteps.db, twoSteps.study);
    expect(steps).not.toBeNull();
    const direct = steps!.direct.map((m) => m.name);
    const later = steps!.later.map((m) => m.name);
    for (const m of ["index_estimates", "index_scores", "published_scores", "int_responses_calibrated"])
      expect(direct).toContain(m);
    for (const m of [
      "sae_estimates",
      "rank_intervals",
      "stg_open_answers",
      "theme_estimates",
      "weighting_diagnostics",
    ])
      expect(direct).not.toContain(m);
    // published_scores in both: the first step's holds the new direct figures beside the last model-based ones
    for (const m of [
      "sae_estimates",
      "published_scores",
      "rank_intervals",
      "theme_estimates",
      "int_responses_calibrated",
    ])
      expect(later).toContain(m);
    expect(later).not.toContain("index_estimates");
    // every model is in one step or the other
    const all = new Set([...direct, ...later]);
    expect(all.size).toBe(
      steps!.direct.length + steps!.later.length - direct.filter((m) => later.includes(m)).length,
    );
  });

  it("gives the marts a single run gives, the direct figures already after the first step", async () => {
    const steps = (await modelSteps(twoSteps.db, twoSteps.study))!;
    const beforeSae = await rowsOf(twoSteps.db, twoSteps.study, "sae_estimates");
    const estimated = wavesEstimated();
    const first = await runDirectStep(twoSteps.db, twoSteps.study, steps);
    // 2026 lost respondents: its figures are estimated; 2024's and 2025's are the last run's
    expect(wavesEstimated() - estimated).toBe(1);
    forgetComputed();
    await runModels(oneRun.db, oneRun.study);
    expect(wavesEstimated() - estimated).toBe(4);
    // after the first step: the direct figures are the new ones, the small-area ones the last
    const same = async (mart: string, where?: string) =>
      firstDifference(
        await rowsOf(twoSteps.db, twoSteps.study, mart, where),
        await rowsOf(oneRun.db, oneRun.study, mart, where),
      );
    expect(await same("index_estimates")).toBeNull();
    expect(await same("index_scores")).toBeNull();
    expect(await same("published_scores", "method = 'direct'")).toBeNull();
    expect(firstDifference(await rowsOf(twoSteps.db, twoSteps.study, "sae_estimates"), beforeSae)).toBeNull();
    expect(await same("sae_estimates")).not.toBeNull();

    await runLaterStep(twoSteps.db, twoSteps.study, steps, first);
    for (const mart of MARTS) expect(await same(mart), mart).toBeNull();
    const runs = await twoSteps.db.query<{ scope: string; status: string; same: boolean }>(
      `select scope, status, data_as_of = first_value(data_as_of) over (order by started_at) as same
       from (select * from model_runs order by started_at desc limit 2) order by started_at`,
    );
    expect(runs).toEqual([
      { scope: "direct", status: "succeeded", same: true },
      { scope: "later", status: "succeeded", same: true },
    ]);
  }, 300_000);
});
