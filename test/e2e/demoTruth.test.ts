import { readFileSync } from "node:fs";
import { join } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import type { Study } from "../../study/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

// The demo study's estimates against the generator's true values, which it computes over
// the whole synthetic population in its own plain loops (never with the estimation code).

let db: Database;
let study: Study;
let truth: Map<string, number>;

beforeAll(async () => {
  ({ db, study } = await demoDatabase());
  const rows = Papa.parse<Record<string, string>>(readFileSync(join(study.dir, "truth/truth.csv"), "utf8"), {
    header: true,
    skipEmptyLines: true,
  }).data;
  truth = new Map(
    rows
      .filter((r) => r.level === "district" && r.group_var === "")
      .map((r) => [`${r.wave}|${r.organization}|${r.index}`, Number(r.value_0_100)]),
  );
});
afterAll(async () => {
  if (db) await closeDatabase(db);
});

describe("demo study against the truth", () => {
  it("each organization's district awareness, in every wave, lies within 4 standard errors of the truth", async () => {
    const estimates = await db.query<{
      wave_id: string;
      organization_id: string;
      estimate_0_100: number;
      se_0_100: number;
      ci_low_0_100: number;
      ci_high_0_100: number;
      n_respondents: number;
    }>(
      "select * from index_estimates where study_id = $1 and index_id = 'awareness' and level = 'district' order by all",
      [study.id],
    );
    expect(estimates).toHaveLength(study.organizations.length * study.waves.length);
    for (const e of estimates) {
      const t = truth.get(`${e.wave_id}|${e.organization_id}|awareness`);
      expect(t, `truth for ${e.wave_id} ${e.organization_id}`).toBeTypeOf("number");
      const z = (e.estimate_0_100 - t!) / e.se_0_100;
      expect(
        Math.abs(z),
        `${e.wave_id} ${e.organization_id}: estimate ${e.estimate_0_100}, truth ${t}, se ${e.se_0_100}`,
      ).toBeLessThan(4);
      // a clustered sample of ~2000: SE between 0.8 and 3 points, CI around the estimate
      expect(e.se_0_100).toBeGreaterThan(0.8);
      expect(e.se_0_100).toBeLessThan(3);
      expect(e.ci_low_0_100).toBeLessThan(e.estimate_0_100);
      expect(e.ci_high_0_100).toBeGreaterThan(e.estimate_0_100);
      expect(e.n_respondents).toBeGreaterThan(1800);
    }
  });
});
