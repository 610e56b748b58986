import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_STUDY_DIR } from "../../cli/context.ts";
import { closeDatabase, type Database } from "../../db/index.ts";
import { MODELS_DIR, runModels } from "../../models/index.ts";
import { loadModels } from "../../models/runner/loadModels.ts";
import { loadStudy } from "../../study/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

// Today's four index kinds are presets of the generic indicators (issue 14): the demo's marts
// must come out exactly as before, figure by figure. The "before" is a fixture written by
// test/fixtures/demo-marts/make-fixture.ts from the code before the change (commit cd3b918),
// when the marts' intervals were R's and the demo's design treated villages as drawn with
// replacement; so the marts are rebuilt here with that design and study.yaml
// `reporting.intervals: r` (issue 15 made "nominal" the default and the demo's design Brewer's
// over both stages), which must give them back.

const FIXTURES = join(import.meta.dirname, "../fixtures/demo-marts");
const KEY = [
  "wave_id",
  "organization_id",
  "index_id",
  "aspect",
  "org_level",
  "unit_level",
  "unit_code",
  "group_var",
  "group_value",
];

/** A file path as an SQL literal (the paths are this repository's). */
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

let db: Database;
let studyDir: string;
beforeAll(async () => {
  ({ db } = await demoDatabase());
  studyDir = mkdtempSync(join(tmpdir(), "barometer-presets-"));
  cpSync(DEMO_STUDY_DIR, studyDir, { recursive: true });
  const yaml = readFileSync(join(studyDir, "study.yaml"), "utf8");
  const withR = yaml
    .replace(/^ {2}intervals: nominal\n/m, "  intervals: r\n")
    .replace(
      /^ {2}ids: \[village_code, resp_id\]\n[\s\S]*?^ {2}lonely_psu: adjust\n/m,
      "  ids: [village_code]\n  pps: null\n  fpc: []\n  nest: true\n  lonely_psu: fail\n",
    );
  expect(withR.match(/intervals: r\n/g)).toHaveLength(1);
  expect(withR).toContain("  ids: [village_code]\n  pps: null\n");
  writeFileSync(join(studyDir, "study.yaml"), withR);
  const study = await loadStudy(studyDir);
  expect(study.reporting.intervals).toBe("r");
  expect(study.design.ids).toEqual(["village_code"]);
  const all = await loadModels(MODELS_DIR);
  const rebuild = [
    "int_responses_calibrated",
    "int_unit_estimates",
    "index_estimates",
    "index_scores",
    "published_scores",
  ];
  await runModels(db, study, { models: all.filter((m) => rebuild.includes(m.name)) });
}, 300_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
  if (studyDir) rmSync(studyDir, { recursive: true, force: true });
});

/** Rows of `now` and `before` that differ beyond `tolerance` in a number, or in anything else. */
async function differences(now: string, file: string, numbers: string[], exact: string[]) {
  const on = KEY.map((k) => `n.${k} is not distinct from b.${k}`).join(" and ");
  // deff of a figure whose true variance is 0 (every answer in the domain the same; SE of
  // 1e-15 from rounding) is rounding noise over rounding noise: 1e-17, or null where the
  // noise comes out 0 or negative. The summation order of DuckDB's parallel aggregation
  // varies, so there deff counts as 0 when null.
  // The same noise under a square root: a true variance of 0 computed as ±1e-16 gives an SE of
  // 0 or 1e-8 and CI bounds that far from the estimate. Where the SE is below 1e-6 (on the
  // 0-100 scale), SE and bounds may differ by that much.
  const fromSe = new Set(["se_0_100", "ci_low_0_100", "ci_high_0_100"]);
  const far = numbers.map((c) =>
    c === "deff"
      ? `abs(coalesce(n.${c}, 0) - coalesce(b.${c}, 0)) > 1e-12 * greatest(1, abs(coalesce(b.${c}, 0)))`
      : fromSe.has(c)
        ? `(n.${c} is null) <> (b.${c} is null) or abs(n.${c} - b.${c}) > greatest(1e-12 * greatest(1, abs(b.${c})), case when b.se_0_100 < 1e-6 then 1e-6 else 0 end)`
        : `(n.${c} is null) <> (b.${c} is null) or abs(n.${c} - b.${c}) > 1e-12 * greatest(1, abs(b.${c}))`,
  );
  const unlike = exact.map((c) => `n.${c} is distinct from b.${c}`);
  return db.query(
    `select ${KEY.map((k) => `coalesce(n.${k}, b.${k}) as ${k}`).join(", ")}, n.${KEY[0]} is null as missing_now,
            b.${KEY[0]} is null as new_now,
            ${[...numbers, ...exact].map((c) => `n.${c} as ${c}_now, b.${c} as ${c}_before`).join(", ")}
     from ${now} n
     full outer join read_parquet(${quoteLiteral(join(FIXTURES, file))}) b on ${on}
     where n.${KEY[0]} is null or b.${KEY[0]} is null or ${[...far, ...unlike].join(" or ")}
     limit 20`,
  );
}

describe("the demo's figures with indices as presets of indicators", () => {
  it("index_estimates: the same figures, estimates, SEs, CIs, df, deff, n and effective n (1e-12)", async () => {
    const [count] = await db.query<{ n: number }>(
      `select count(*)::int as n from read_parquet(${quoteLiteral(join(FIXTURES, "index_estimates.parquet"))})`,
    );
    expect(count!.n).toBeGreaterThan(50_000);
    const diff = await differences(
      "index_estimates__mass_org_evaluation",
      "index_estimates.parquet",
      ["estimate_0_100", "se_0_100", "ci_low_0_100", "ci_high_0_100", "df", "deff", "n_eff"],
      ["n"],
    );
    expect(diff).toEqual([]);
  });

  it("index_scores: the same suppression, unreliable flags and changes", async () => {
    const diff = await differences(
      "index_scores__mass_org_evaluation",
      "index_scores.parquet",
      ["change_0_100", "change_p_value"],
      ["is_withheld", "withheld_reason", "is_unreliable"],
    );
    expect(diff).toEqual([]);
  });

  // the tiers moved to published_scores; the demo's townships have the direct figure as primary,
  // so its direct rows (every row but the villages' model-based ones) are index_scores' as before
  it("published_scores' direct figures: the same figures, suppression, changes and tiers", async () => {
    const diff = await differences(
      "(select * from published_scores__mass_org_evaluation where method = 'direct')",
      "index_scores.parquet",
      ["change_0_100", "change_p_value"],
      ["is_withheld", "withheld_reason", "is_unreliable", "tier"],
    );
    expect(diff).toEqual([]);
  });
});
