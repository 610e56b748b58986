/**
 * The demo study's generator (examples/mass-org-evaluation/generator): reproducible bytes, the
 * committed files up to date, sane sample sizes, and the true values checked against a second,
 * independent computation written here with Array.filter / reduce over the population.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse as parseCsv } from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  DEFAULT_SEED,
  DEMO_FILES,
  drawSample,
  type GenerateResult,
  generateDemo,
  ORGANIZATIONS,
  TRUTH_INDICES,
  WAVES,
} from "../../examples/mass-org-evaluation/generator/index.ts";
import { studySchema } from "../../study/schema.ts";

const EXAMPLE_DIR = join(import.meta.dirname, "../../examples/mass-org-evaluation");

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function readCsv(text: string): Record<string, string>[] {
  const parsed = parseCsv<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return parsed.data;
}

describe("demo generator", () => {
  let dirA: string;
  let dirB: string;
  let first: GenerateResult;

  beforeAll(async () => {
    dirA = await mkdtemp(join(tmpdir(), "barometer-demo-a-"));
    dirB = await mkdtemp(join(tmpdir(), "barometer-demo-b-"));
    first = await generateDemo({ seed: DEFAULT_SEED, outDir: dirA });
    await generateDemo({ seed: DEFAULT_SEED, outDir: dirB });
  });

  afterAll(async () => {
    await rm(dirA, { recursive: true, force: true });
    await rm(dirB, { recursive: true, force: true });
  });

  it("writes the same bytes twice from the same seed, and the committed files are those bytes", async () => {
    const files = await listFiles(dirA);
    expect(files).toEqual([...DEMO_FILES].sort());
    expect(await listFiles(dirB)).toEqual(files);
    for (const file of files) {
      const a = await readFile(join(dirA, file));
      expect(a.equals(await readFile(join(dirB, file))), `${file} differs between two runs`).toBe(true);
      const committed = await readFile(join(EXAMPLE_DIR, file));
      expect(a.equals(committed), `${file} is not what the generator writes: rerun generator/cli.ts`).toBe(
        true,
      );
    }
  });

  it("writes different responses from a different seed", async () => {
    const dirC = await mkdtemp(join(tmpdir(), "barometer-demo-c-"));
    try {
      const other = await generateDemo({ seed: DEFAULT_SEED + 1, outDir: dirC });
      for (const wave of WAVES) {
        const a = await readFile(join(dirA, `responses/wave-${wave}.csv`), "utf8");
        const c = await readFile(join(dirC, `responses/wave-${wave}.csv`), "utf8");
        expect(c).not.toEqual(a);
      }
      // and, from one population, a different sample seed draws different people
      const resampled = drawSample(other.population, "2024", 12345);
      expect(Array.from(resampled.person)).not.toEqual(Array.from(other.samples["2024"].person));
    } finally {
      await rm(dirC, { recursive: true, force: true });
    }
  });

  it("has 1800–2200 respondents a wave, with unique ids and the codebook's columns", async () => {
    for (const wave of WAVES) {
      const rows = readCsv(await readFile(join(dirA, `responses/wave-${wave}.csv`), "utf8"));
      expect(rows.length).toBeGreaterThanOrEqual(1800);
      expect(rows.length).toBeLessThanOrEqual(2200);
      const ids = rows.map((r) => r.resp_id);
      expect(new Set(ids).size).toBe(rows.length);
      expect(ids.every((id) => id?.startsWith(`${wave}-`))).toBe(true);
      expect(rows.every((r) => r.interview_date?.startsWith(`${wave}-05-`))).toBe(true);
      expect(rows.every((r) => /^1[358]\d{9}$/.test(r.phone ?? ""))).toBe(true);
      // league_member is asked up to age 35 only
      expect(rows.every((r) => Number(r.age) <= 35 === (r.league_member !== ""))).toBe(true);
    }
  });

  it("has a district truth for every wave, organization and index", async () => {
    const rows = readCsv(await readFile(join(dirA, "truth/truth.csv"), "utf8"));
    const district = rows.filter((r) => r.level === "district" && r.group_var === "");
    for (const wave of WAVES) {
      for (const org of ORGANIZATIONS) {
        for (const index of TRUTH_INDICES) {
          const hits = district.filter(
            (r) => r.wave === wave && r.organization === org.id && r.index === index,
          );
          expect(hits, `${wave} ${org.id} ${index}`).toHaveLength(1);
          const value = Number(hits[0]!.value_0_100);
          expect(value).toBeGreaterThan(0);
          expect(value).toBeLessThan(100);
        }
      }
    }
  });

  it("agrees with a hand recomputation of three true values from the population", () => {
    // Independent of truth.ts: plain Array.filter / reduce over person indices.
    const pop = first.population;
    const everyone = Array.from({ length: pop.size }, (_, i) => i);
    const truthOf = (
      wave: string,
      org: string,
      index: string,
      unitCode = "",
      groupVar = "",
      groupValue = "",
    ) =>
      first.truth.find(
        (t) =>
          t.wave === wave &&
          t.organization === org &&
          t.index === index &&
          t.unitCode === unitCode &&
          t.groupVar === groupVar &&
          t.groupValue === groupValue,
      )!;

    // District awareness of the township youth league, 2025: "don't know" counts as not aware.
    const aw = pop.answers["2025"].aw_yl_t!;
    const aware = everyone.filter((i) => aw[i] === 1).length;
    expect(truthOf("2025", "youth_league", "awareness").value).toBeCloseTo((100 * aware) / pop.size, 9);

    // Union approval in township T07, 2026: per person the mean of non-9 aspects, then rescaled.
    const t07 = pop.townships.find((t) => t.code === "T07")!;
    const items = ["ap_un_guide", "ap_un_serve", "ap_un_rights", "ap_un_close"].map(
      (n) => pop.answers["2026"][n]!,
    );
    const personMeans = everyone
      .filter((i) => pop.people.township[i] === t07.index)
      .map((i) => items.map((a) => a[i]!).filter((x) => x !== 9))
      .filter((answers) => answers.length > 0)
      .map((answers) => answers.reduce((s, x) => s + x, 0) / answers.length);
    const approval = personMeans.reduce((s, m) => s + (m - 1) * 25, 0) / personMeans.length;
    const row = truthOf("2026", "union", "approval", "T07");
    expect(row.value).toBeCloseTo(approval, 9);
    expect(row.nPopulation).toBe(personMeans.length);

    // Women's federation % satisfied among women, 2024.
    const sa = pop.answers["2024"].sa_wf!;
    const women = everyone.filter((i) => pop.people.sex[i] === 2 && sa[i] !== 9);
    const satisfied = women.filter((i) => sa[i]! >= 4).length;
    expect(truthOf("2024", "womens_federation", "satisfaction_pct", "", "sex", "2").value).toBeCloseTo(
      (100 * satisfied) / women.length,
      9,
    );
  });

  it("has a study.yaml that the study schema accepts", async () => {
    const study = studySchema.parse(parseYaml(await readFile(join(EXAMPLE_DIR, "study.yaml"), "utf8")));
    expect(study.id).toBe("mass_org_evaluation");
    expect(study.indices).toHaveLength(5 * ORGANIZATIONS.length);
  });
});
