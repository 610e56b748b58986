import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { buildSiteMarts } from "../../models/sites/buildSiteMarts.ts";
import { loadSiteStudy } from "../../study/sites/index.ts";

// The demo's site marts: every status is what the declared exit rules give, recomputed here
// in SQL from the mart's own intervals and news counts (an implementation written apart from
// models/sites/siteStatus.ts); the served people's SE is the stratified-SRS formula; the demo
// tells its story (two declining sites end on exit review, the exited site is exited).
let db: Database;
const study = loadSiteStudy("examples/demonstration-sites");
beforeAll(async () => {
  db = await openDatabase(join(mkdtempSync(join(tmpdir(), "barometer-sites-")), "sites.duckdb"));
  await buildSiteMarts(db, study);
}, 300_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

describe("site marts of the demo", () => {
  it("every site's status follows the declared exit rules exactly", async () => {
    const rules = study.config.exit_rules[0] as (typeof study.config.exit_rules)[number];
    const bottom = rules.bottom_tier as { below: number; consecutive: number };
    const news = rules.news as { minimum_per_month: number; months: number };
    expect(bottom.consecutive).toBe(2); // the SQL below reads one earlier half-year
    const rows = await db.query<{ site_id: string; period: string; status: string; expected: string }>(
      `with s as (
         select site_id, period, status, ci_low, ci_high, news_months_below,
                lag(ci_high) over (partition by site_id order by period) as previous_high
         from site_scores__demonstration_sites
         where status <> 'exited'
       ),
       verdicts as (
         select *,
                ci_low < $threshold and ci_high >= $threshold as straddles,
                ci_high < $threshold as below_line,
                ci_high < $below and previous_high < $below as bottom_run,
                ci_high < $below as bottom_now,
                news_months_below >= $months as news_short
         from s
       )
       select site_id, period, status,
              case
                when (below_line or bottom_run or news_short) and not straddles then 'exit_review'
                when straddles or bottom_now or bottom_run or news_short then 'watch'
                else 'good_standing'
              end as expected
       from verdicts`,
      { threshold: rules.threshold, below: bottom.below, months: news.months },
    );
    expect(rows.length).toBeGreaterThan(150);
    const wrong = rows.filter((r) => r.status !== r.expected);
    expect(wrong).toEqual([]);
    // the rules that matter occur in the demo, so the comparison above means something
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["good_standing", "watch", "exit_review"]));
  });

  it("no site whose interval straddles the threshold is on exit review", async () => {
    const rows = await db.query(
      `select * from site_scores__demonstration_sites
       where status = 'exit_review' and ci_low < $t and ci_high >= $t`,
      { t: study.config.exit_rules[0]?.threshold as number },
    );
    expect(rows).toEqual([]);
  });

  it("the declining sites end on exit review and the exited site is exited after it left", async () => {
    const last = await db.query<{ site_id: string; status: string }>(
      "select site_id, status from site_scores__demonstration_sites where period = '2020H2' and site_id in ('S07', 'S21', 'S26') order by site_id",
    );
    expect(last).toEqual([
      { site_id: "S07", status: "exit_review" },
      { site_id: "S21", status: "exit_review" },
      { site_id: "S26", status: "exited" },
    ]);
  });

  it("the served people's satisfaction and its SE are the stratified simple random sample's", async () => {
    const rows = await db.query<{
      site_id: string;
      period: string;
      satisfaction_0_100: number;
      satisfaction_se: number;
    }>(
      "select site_id, period, satisfaction_0_100, satisfaction_se from site_scores__demonstration_sites where satisfaction_se is not null",
    );
    for (const r of rows.slice(0, 40)) {
      const x = study.served
        .filter((p) => p.site_id === r.site_id && p.period === r.period)
        .map((p) => (((p.satisfaction as number) - 1) / 4) * 100);
      const mean = x.reduce((a, b) => a + b, 0) / x.length;
      const s2 = x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1);
      expect(r.satisfaction_0_100).toBeCloseTo(mean, 10);
      expect(r.satisfaction_se).toBeCloseTo(Math.sqrt(s2 / x.length), 10);
    }
  });

  it("the combined score is the declared weighted sum and its interval is t on the residual df", async () => {
    const [r] = await db.query<Record<string, number>>(
      "select * from site_scores__demonstration_sites where site_id = 'S01' and period = '2019H1'",
    );
    const w = study.config.scoring[0]?.combined as { assessment: number; survey: number };
    expect(r?.combined_0_100).toBeCloseTo(
      w.assessment * (r?.assessment_0_100 as number) + w.survey * (r?.satisfaction_0_100 as number),
      10,
    );
    expect(r?.combined_se).toBeCloseTo(
      Math.sqrt(
        (w.assessment * (r?.assessment_se as number)) ** 2 + (w.survey * (r?.satisfaction_se as number)) ** 2,
      ),
      10,
    );
    const n = study.assessments.filter((a) => a.period === "2019H1").length;
    const sites = new Set(study.assessments.filter((a) => a.period === "2019H1").map((a) => a.site_id)).size;
    // R: qt(0.975, df)
    const halfWidth = ((r?.ci_high as number) - (r?.ci_low as number)) / 2;
    expect(n - sites - 1).toBe(29);
    expect(halfWidth / (r?.combined_se as number)).toBeCloseTo(2.045229642132703, 8);
  });
});

describe("a half-year's site release", () => {
  it("is frozen with its checksum, read back unchanged after a rebuild, and superseded by a later one", async () => {
    const { createSiteRelease } = await import("../../models/sites/releaseSites.ts");
    const { readRelease } = await import("../../models/releases/releases.ts");
    const record = await createSiteRelease(db, "demonstration_sites", "2020H2", "test");
    expect(record.release_id).toBe("demonstration_sites-2020H2-r1");
    const { file } = await readRelease(db, record.release_id);
    const mart = await db.query<{ site_id: string; combined_0_100: number | null; status: string }>(
      "select site_id, combined_0_100, status from site_scores__demonstration_sites where period = '2020H2' order by site_id",
    );
    const at = (c: string) => file.columns.indexOf(c);
    expect(file.rows.map((r) => [r[at("site_id")], r[at("combined_0_100")], r[at("status")]])).toEqual(
      mart.map((m) => [m.site_id, m.combined_0_100, m.status]),
    );
    // a later rebuild does not change the release; a second release supersedes the first
    await buildSiteMarts(db, study);
    expect((await readRelease(db, record.release_id)).file.rows).toEqual(file.rows);
    const second = await createSiteRelease(db, "demonstration_sites", "2020H2", "test");
    expect(second.supersedes_release_id).toBe(record.release_id);
  }, 300_000);
});
