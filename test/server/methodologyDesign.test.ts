/**
 * The methodology page describes the study's own variance: PSUs with replacement, Brewer's
 * approximation over the stages, or a finite population correction, and its rule for strata with
 * a single PSU; the coverage simulation's figures only for the variance the simulation scored.
 * The demo database, with its study folder swapped for a copy whose study.yaml declares another
 * design (the page reads the design from the study's folder).
 */
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COVERAGE_VALIDATION } from "../../analysis/simulation/coverageValidation.ts";
import { DEMO_STUDY_DIR } from "../../cli/context.ts";
import { closeDatabase, type Database } from "../../db/index.ts";
import { createRelease } from "../../models/index.ts";
import { createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { loadStudy } from "../../study/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

let db: Database;
let folder: string;
let cookie: string;
let app: ReturnType<typeof createApp>;
let release: string;

beforeAll(async () => {
  ({ db } = await demoDatabase());
  app = createApp({ db, sessionSecret: randomBytes(32) });
  await createUser(db, "method_viewer", "viewer", "a-long-test-password");
  const signin = await request(app)
    .post("/signin")
    .type("form")
    .send({ user: "method_viewer", password: "a-long-test-password", next: "/" });
  cookie = String(signin.headers["set-cookie"]).split(";")[0]!;
  folder = mkdtempSync(join(tmpdir(), "barometer-method-"));
  release = (await createRelease(db, await loadStudy(DEMO_STUDY_DIR), "2026", "method_test")).release_id;
}, 600_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
  rmSync(folder, { recursive: true, force: true });
});

const page = async (lang: "zh" | "en") => {
  const res = await request(app)
    .get(`/methodology${lang === "en" ? "?lang=en" : ""}`)
    .set("Cookie", cookie);
  expect(res.status).toBe(200);
  return res.text;
};

/** The printed report's page (the PDF prints it), for the release made at the start. */
const report = async (lang: "zh" | "en") => {
  const res = await request(app)
    .get(`/releases/${release}/report${lang === "en" ? "?lang=en" : ""}`)
    .set("Cookie", cookie);
  expect(res.status).toBe(200);
  return res.text;
};

/** Point the study at another folder, as registering it again would (a new definition hash). */
const register = (dir: string) =>
  db.run("update studies set study_dir = $1, definition_sha256 = $2 where study_id = 'mass_org_evaluation'", [
    dir,
    `test-${dir}`,
  ]);

/** Register a copy of the demo study whose design block is replaced by `design` (YAML lines). */
async function useDesign(name: string, design: string[]): Promise<void> {
  const dir = join(folder, name);
  cpSync(DEMO_STUDY_DIR, dir, { recursive: true });
  const yaml = readFileSync(join(dir, "study.yaml"), "utf8");
  const replaced = yaml.replace(
    /^ {2}ids: \[village_code, resp_id\]\n[\s\S]*?^ {2}lonely_psu: adjust\n/m,
    design.map((line) => `  ${line}\n`).join(""),
  );
  expect(replaced).not.toBe(yaml);
  writeFileSync(join(dir, "study.yaml"), replaced);
  await register(dir);
}

describe("methodology page and the study's design", () => {
  it("the demo's design: Brewer over both stages, a lonely PSU adjusted, and the simulated coverage", async () => {
    const zh = await page("zh");
    expect(zh).toContain("Brewer近似");
    expect(zh).toContain("frame_pps, frame_ssu");
    expect(zh).not.toContain("方差估计按有放回抽取初级单位近似");
    expect(zh).toContain("以全体初级单位的均值为中心计入方差");
    expect(zh).toContain(`${COVERAGE_VALIDATION.samples}次重复抽样`);
    expect(zh).toContain(`区级为${Math.round(COVERAGE_VALIDATION.district * 1000) / 10}%`);
    // the calibration by its name in the page's language, not its id
    expect(zh).toContain("方差按泰勒线性化计算，并计入迭代比例调整（raking）校准的影响。");
    expect(zh).toContain("比率类指标（");
    expect(zh).toContain("为logit区间（正态分位数）");
    const en = await page("en");
    expect(en).toContain("approximation for unequal-probability sampling without replacement");
    expect(en).not.toContain("Variances treat the PSUs as drawn with replacement");
    expect(en).toContain(`${COVERAGE_VALIDATION.samples} repeated samples`);
    expect(en).not.toContain("has not been checked by simulation");
    expect(en).not.toContain("The intervals are conservative");
    // the printed report states the same rule in a sentence
    expect(await report("zh")).toContain(
      "得分类指标为估计值±t×标准误，t分布的自由度为其方差的Satterthwaite有效自由度；比率为logit区间（正态分位数）",
    );
    expect(await report("en")).toContain("rates have logit intervals on normal quantiles;");
  });

  it("PSUs with replacement: the page says so, and that its coverage was not simulated", async () => {
    await useDesign("with-replacement", [
      "ids: [village_code]",
      "pps: null",
      "fpc: []",
      "nest: true",
      "lonely_psu: fail",
    ]);
    const zh = await page("zh");
    expect(zh).toContain("方差估计按有放回抽取初级单位近似（不做有限总体校正）。");
    expect(zh).toContain("只有一个初级单位的层视为错误。");
    expect(zh).toContain("其区间的实际覆盖率未经模拟检验");
    expect(zh).not.toContain("次重复抽样");
    const en = await page("en");
    expect(en).toContain("Variances treat the PSUs as drawn with replacement");
    expect(en).toContain("has not been checked by simulation");
    // a one-stage variance: the report's rates on t with the design's df, as the page says
    expect(await report("zh")).toContain("比率为logit区间（t分布，自由度为该范围内有受访者的");
    expect(await report("en")).toContain("rates have logit intervals on t with the");
    expect(await report("en")).not.toContain("normal quantiles");
  });

  it("Brewer on the PSUs alone is not the simulated design", async () => {
    await useDesign("brewer-psus", [
      "ids: [village_code]",
      "pps: brewer",
      "fpc: [frame_pps]",
      "nest: true",
      "lonely_psu: adjust",
    ]);
    const en = await page("en");
    expect(en).toContain("approximation for unequal-probability sampling without replacement");
    expect(en).toContain("has not been checked by simulation");
    expect(en).not.toContain("Checked by simulation (npm run sim:coverage");
  });

  it("a finite population correction without pps", async () => {
    await useDesign("fpc", [
      "ids: [village_code]",
      "pps: null",
      "fpc: [frame_psus]",
      "nest: true",
      "lonely_psu: certainty",
    ]);
    const en = await page("en");
    expect(en).toContain("finite population correction of sampling without replacement (frame_psus)");
    expect(en).toContain("taken as sampled with certainty");
    expect(en).not.toContain("Variances treat the PSUs as drawn with replacement");
  });
});
