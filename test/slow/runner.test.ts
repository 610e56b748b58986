import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pnorm } from "../../analysis/distributions/pnorm.ts";
import { closeDatabase, type Database } from "../../db/index.ts";
import { ingestFile } from "../../ingest/index.ts";
import {
  createRelease,
  loadModels,
  MODELS_DIR,
  type Model,
  readRelease,
  releasesDir,
  runModels,
} from "../../models/index.ts";
import { orderModels } from "../../models/runner/loadModels.ts";
import type { Study } from "../../study/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

let db: Database;
let study: Study;
let models: Model[];

beforeAll(async () => {
  ({ db, study } = await demoDatabase());
  models = await loadModels(MODELS_DIR);
}, 300_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

/** The models with one SQL model's text changed. */
function withSql(name: string, change: (sql: string) => string): Model[] {
  return models.map((m) => (m.name === name ? { ...m, sql: change(m.sql!) } : m));
}

async function martState() {
  const [scores] = await db.query<{ n: number; total: number }>(
    "select count(*)::int as n, sum(estimate_0_100) as total from index_scores__mass_org_evaluation",
  );
  const [weights] = await db.query<{ total: number }>(
    "select sum(weight) as total from int_responses_calibrated__mass_org_evaluation",
  );
  return { scores, weights };
}

describe("model runner", () => {
  it("orders models by their references and refuses cycles and unknown references", () => {
    const names = models.map((m) => m.name);
    expect(names.indexOf("stg_responses")).toBeLessThan(names.indexOf("stg_answers"));
    expect(names.indexOf("int_responses_calibrated")).toBeLessThan(names.indexOf("index_estimates"));
    const a = { ...models[0]!, name: "a", dependsOn: ["b"] };
    const b = { ...models[0]!, name: "b", dependsOn: ["a"] };
    expect(() => orderModels([a, b])).toThrow("models depend on each other in a cycle: a -> b -> a");
    expect(() => orderModels([{ ...a, dependsOn: ["nope"] }])).toThrow(
      "model a refers to unknown model nope",
    );
    // runsAfter orders without a dependency: the themes' estimates after the index figures
    expect(names.indexOf("index_estimates")).toBeLessThan(names.indexOf("theme_estimates"));
    const c = { ...models[0]!, name: "c", dependsOn: [], runsAfter: ["d"] };
    const d = { ...models[0]!, name: "d", dependsOn: [], runsAfter: [] };
    expect(orderModels([c, d]).map((m) => m.name)).toEqual(["d", "c"]);
    expect(() => orderModels([{ ...c, runsAfter: ["nope"] }])).toThrow(
      "model c refers to unknown model nope",
    );
  });

  it("a duplicate key fails the run naming the model and key, and the last good marts stay", async () => {
    const before = await martState();
    const broken = withSql("stg_responses", (sql) =>
      sql.replace("select * from final", "(select * from final) union all (select * from final limit 5)"),
    );
    await expect(runModels(db, study, { models: broken })).rejects.toThrow(
      /^model stg_responses: key \(wave_id, respondent_id\) is not unique, e\.g\./,
    );
    expect(await martState()).toEqual(before);
    const [run] = await db.query<{ status: string; message: string }>(
      "select status, message from model_runs order by started_at desc limit 1",
    );
    expect(run!.status).toBe("failed");
    expect(run!.message).toContain("stg_responses");
  });

  it("weights that do not sum to the population fail the run naming the invariant, and the last good marts stay", async () => {
    const before = await martState();
    const broken = withSql("int_responses_base_weighted", (sql) =>
      sql.replace("end as base_weight", "end * 1.01 as base_weight"),
    );
    await expect(runModels(db, study, { models: broken })).rejects.toThrow(
      'model int_responses_base_weighted: invariant "with pps_srs, base weights sum to the population of the sampled strata in each wave" is broken',
    );
    expect(await martState()).toEqual(before);
  });

  it("suppression withholds small or imprecise figures with the reason and no estimate", async () => {
    const rows = await db.query<{
      is_withheld: boolean;
      withheld_reason: string;
      estimate_0_100: number | null;
      n: number | null;
    }>(
      "select is_withheld, withheld_reason, estimate_0_100, n from index_scores__mass_org_evaluation where is_withheld limit 50",
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(["min_n", "max_rse"]).toContain(r.withheld_reason);
      expect(r.estimate_0_100).toBeNull();
      expect(r.n).toBeNull();
    }
    const [{ unshown }] = (await db.query<{ unshown: number }>(
      `select count(*)::int as unshown from index_scores__mass_org_evaluation s
       join index_estimates__mass_org_evaluation e using (wave_id, organization_id, index_id, aspect, org_level, unit_level, unit_code, group_var, group_value)
       where (e.n < 30) <> (s.withheld_reason = 'min_n')`,
    )) as [{ unshown: number }];
    expect(unshown).toBe(0);
  });
});

describe("change and tiers", () => {
  it("p-values of changes are 2(1 - Phi(|z|)) (checked against the engine's pnorm), significance at 1 - level", async () => {
    const rows = await db.query<{
      change_0_100: number;
      change_se_0_100: number;
      change_p_value: number;
      is_change_significant: boolean;
    }>(
      "select change_0_100, change_se_0_100, change_p_value, is_change_significant from index_scores__mass_org_evaluation where change_p_value is not null",
    );
    expect(rows.length).toBeGreaterThan(1000);
    for (const r of rows) {
      const p = 2 * (1 - pnorm(Math.abs(r.change_0_100 / r.change_se_0_100)));
      expect(Math.abs(r.change_p_value - p)).toBeLessThan(1e-6);
      expect(r.is_change_significant).toBe(r.change_p_value < 0.05);
    }
    expect(rows.some((r) => r.is_change_significant)).toBe(true);
  });

  it("tiers follow the rule: sorted by estimate, a township joins the tier while its CI overlaps the first one's", async () => {
    const rows = await db.query<{
      g: string;
      unit_code: string;
      estimate_0_100: number;
      ci_low_0_100: number;
      ci_high_0_100: number;
      tier: number;
    }>(
      `select wave_id || organization_id || index_id || aspect || org_level as g, unit_code, estimate_0_100, ci_low_0_100, ci_high_0_100, tier
       from published_scores__mass_org_evaluation where tier is not null order by g, estimate_0_100 desc, unit_code`,
    );
    let head: (typeof rows)[number] | undefined;
    let expected = 0;
    for (const r of rows) {
      if (!head || head.g !== r.g) {
        head = r;
        expected = 1;
      } else if (r.ci_high_0_100 < head.ci_low_0_100) {
        head = r;
        expected++;
      }
      expect(r.tier, `${r.g} ${r.unit_code}`).toBe(expected);
    }
    expect(Math.max(...rows.map((r) => r.tier))).toBeGreaterThan(1);
  });
});

describe("releases", () => {
  it("a release's file and checksum are unchanged by a new upload and re-run, and a new release supersedes it", async () => {
    const release = await createRelease(db, study, "2025", "tester");
    const path = join(releasesDir(db), release.file_name);
    const bytes = readFileSync(path);
    // a new upload into the released wave (replacing it with every 50th respondent left out), and a re-run
    const original = readFileSync(join(study.dir, "responses/wave-2025.csv"), "utf8").trimEnd().split("\n");
    const smaller = join(releasesDir(db), "..", "wave-2025-smaller.csv");
    writeFileSync(smaller, `${original.filter((_, i) => i === 0 || i % 50 !== 0).join("\n")}\n`);
    const [{ upload_id }] = (await db.query<{ upload_id: string }>(
      "select upload_id from uploads where wave_id = '2025' and status = 'loaded'",
    )) as [{ upload_id: string }];
    const replaced = await ingestFile(db, {
      study,
      waveId: "2025",
      path: smaller,
      replace: upload_id,
      user: "tester",
      hmacKey: Buffer.from("k"),
    });
    expect(replaced.status).toBe("loaded");
    const run = await runModels(db, study);
    // runsAfter in a real run: the themes' estimates start once the index figures are built
    const timing = (name: string) => run.timings.find((t) => t.model === name)!;
    expect(timing("theme_estimates").startedAt).toBeGreaterThanOrEqual(timing("index_estimates").builtAt);
    expect(readFileSync(path)).toEqual(bytes);
    const again = await readRelease(db, release.release_id);
    expect(again.record.sha256).toBe(release.sha256);
    const next = await createRelease(db, study, "2025", "tester");
    expect(next.supersedes_release_id).toBe(release.release_id);
    expect(next.sha256).not.toBe(release.sha256);
    expect((await readRelease(db, release.release_id)).file.rows.length).toBe(release.n_rows);
  }, 300_000); // an upload and a full model run: a minute or more when another test file runs beside

  it("a release file a crash left unrecorded is replaced when the release is made again", async () => {
    const [{ n }] = (await db.query<{ n: number }>(
      "select count(*)::int as n from releases where wave_id = '2026'",
    )) as [{ n: number }];
    const orphan = join(releasesDir(db), `mass_org_evaluation-2026-r${n + 1}.json`);
    writeFileSync(orphan, "half a file");
    const release = await createRelease(db, study, "2026", "tester");
    expect(release.file_name).toBe(`mass_org_evaluation-2026-r${n + 1}.json`);
    expect((await readRelease(db, release.release_id)).record.sha256).toBe(release.sha256);
  });

  it("a tampered release file is detected on read", async () => {
    const release = await createRelease(db, study, "2024", "tester");
    const path = join(releasesDir(db), release.file_name);
    chmodSync(path, 0o644);
    writeFileSync(path, readFileSync(path, "utf8").replace(/"estimate_0_100"/, '"estimate_0_100" '));
    await expect(readRelease(db, release.release_id)).rejects.toThrow(
      `release ${release.release_id}: the file ${release.file_name} does not match its recorded checksum`,
    );
  });
});
