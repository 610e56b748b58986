import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { message } from "../../messages/catalogue.ts";
import { createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";
import { listenOnLoopback } from "../helpers/listen.ts";

// A real server on loopback over a real demo database, and Debian's chromium. Every count the
// pages must show is checked against the scores mart directly.
const ARTIFACTS = join(import.meta.dirname, "../artifacts");
const PASSWORD = "a-long-test-password";
const SCORES = "index_scores__mass_org_evaluation";

let db: Database;
let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  ({ db } = await demoDatabase());
  await createUser(db, "leader", "viewer", PASSWORD);
  ({ server, base } = await listenOnLoopback(createApp({ db, sessionSecret: randomBytes(32) })));
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (db) await closeDatabase(db);
});

/** A signed-in page that records console errors and warnings (there must be none). */
async function signedIn(path: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  // signed out, a page sends the browser to the sign-in form, and back after it
  await page.goto(`${base}${path}`);
  expect(new URL(page.url()).pathname).toBe("/signin");
  await page.fill("input[name=user]", "leader");
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}${path}`);
  return { page, problems };
}

/**
 * Every chart on the page rendered, drawing exactly as many marks (of the mark it names) as it
 * has data rows. Returns the rows per chart id.
 */
async function chartsRendered(page: Page): Promise<Record<string, number>> {
  const charts = await page.locator(".chart").all();
  expect(charts.length).toBeGreaterThan(0);
  const rows: Record<string, number> = {};
  for (const chart of charts) {
    const id = (await chart.getAttribute("id"))!;
    await expect.poll(() => chart.getAttribute("data-rendered"), { timeout: 20_000 }).toBe("true");
    const n = Number(await chart.getAttribute("data-rows"));
    const marks = await chart.getAttribute("data-marks");
    expect(await chart.locator(`svg g.role-mark[class*="${marks}"] > path`).count(), id).toBe(n);
    rows[id] = n;
  }
  return rows;
}

const count = async (where: string, params: string[] = []) =>
  (
    (await db.query<{ n: number }>(`select count(*)::int as n from ${SCORES} where ${where}`, params))[0] as {
      n: number;
    }
  ).n;

describe("overview page", () => {
  for (const lang of ["zh", "en"] as const) {
    it(`renders every chart in ${lang}, one mark per data row, and no console errors`, async () => {
      const { page, problems } = await signedIn(`/?lang=${lang}`);
      const rows = await chartsRendered(page);
      expect(Object.keys(rows).sort()).toEqual([
        "chart-breakdown",
        "chart-changes",
        "chart-heat",
        "chart-scorecard",
        "chart-townships",
        "chart-trend",
      ]);
      // defaults: latest wave, township-level organizations, composite index, all organizations
      const latest = "wave_id = '2026' and org_level = 'township' and aspect = '' ";
      expect(rows["chart-scorecard"]).toBe(
        await count(`${latest} and unit_level = 'district' and group_var = '' and not is_withheld
          and index_id in ('composite', 'awareness', 'participation', 'approval', 'satisfaction')`),
      );
      expect(rows["chart-scorecard"]).toBe(15); // three organizations x five indices
      const townships = `${latest} and unit_level = 'township' and group_var = '' and index_id = 'composite'`;
      expect(rows["chart-townships"]).toBe(await count(`${townships} and not is_withheld`));
      // the heat table keeps withheld cells, greyed, so it has a cell for every township figure
      expect(rows["chart-heat"]).toBe(await count(townships));
      expect(rows["chart-heat"]).toBe(150);
      expect(rows["chart-trend"]).toBe(9); // three organizations x three waves
      expect(rows["chart-breakdown"]).toBe(
        await count(
          `${latest} and unit_level = 'district' and group_var <> '' and index_id = 'composite' and not is_withheld`,
        ),
      );
      // the scorecard table: organizations by name from the seed, in the page's language
      const firstOrg = await page.locator("table.scorecard tbody th").first().textContent();
      expect(firstOrg).toBe(lang === "zh" ? "工会" : "Trade union");
      const heading = await page.locator("h2").first().textContent();
      expect(heading).toBe(
        message("overview.scorecard", lang, { wave: lang === "zh" ? "2026年度调查" : "2026 survey" }),
      );
      // an arrow only where the change is significant
      const arrows = await page.locator("table.scorecard .arrow").count();
      expect(arrows).toBe(
        await count(`${latest} and unit_level = 'district' and group_var = '' and is_change_significant
          and index_id in ('composite', 'awareness', 'participation', 'approval', 'satisfaction')`),
      );
      // withheld township figures are named with their reason
      expect(await page.locator("details.withheld-list").first().textContent()).toContain(
        message("withheld.min_n", lang, { min: 30 }).slice(0, 4),
      );
      await page.screenshot({ path: join(ARTIFACTS, `overview-${lang}.png`), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    });
  }

  it("takes its filters from the URL, so a view can be shared", async () => {
    const path = "/?wave=2025&org=youth_league&level=village&index=awareness&lang=en";
    const { page, problems } = await signedIn(path);
    expect(await page.locator("select[name=wave]").inputValue()).toBe("2025");
    expect(await page.locator("select[name=org]").inputValue()).toBe("youth_league");
    expect(await page.locator("select[name=level]").inputValue()).toBe("village");
    expect(await page.locator("select[name=index]").inputValue()).toBe("awareness");
    const rows = await chartsRendered(page);
    const where = `wave_id = '2025' and organization_id = 'youth_league' and org_level = 'village'
      and index_id = 'awareness' and unit_level = 'township' and group_var = '' and aspect = ''`;
    expect(rows["chart-townships"]).toBe(await count(`${where} and not is_withheld`));
    expect(rows["chart-heat"]).toBe(await count(where));
    expect(rows["chart-scorecard"]).toBe(1); // village organizations are asked about awareness only
    // the language switch keeps the filters
    const zh = new URL((await page.locator("a.lang").getAttribute("href"))!, base);
    expect(zh.searchParams.get("org")).toBe("youth_league");
    expect(zh.searchParams.get("lang")).toBeNull();
    expect(problems).toEqual([]);
    await page.close();
  });

  it("prints on A4 without filters, with the wave, filters and release in the header", async () => {
    const { page, problems } = await signedIn("/?print=1");
    await page.emulateMedia({ media: "print" });
    await chartsRendered(page);
    expect(await page.locator("form.filters").isVisible()).toBe(false);
    const line = await page.locator(".release-line").textContent();
    expect(line).toContain("2026年度调查");
    expect(line).toContain(message("print.no_release", "zh"));
    expect(await page.locator(".chart svg.marks").count()).toBe(6); // charts are SVG, sharp on paper
    // an interval and its n never break across lines on paper ("n" here, "1822" on the next)
    for (const n of await page.locator("table.scorecard td small .n").all())
      expect(await n.evaluate((e) => getComputedStyle(e).whiteSpace)).toBe("nowrap");
    await page.screenshot({ path: join(ARTIFACTS, "overview-print.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe("unit page", () => {
  for (const lang of ["zh", "en"] as const) {
    it(`shows a township's organizations x indices, history and items in ${lang}`, async () => {
      const { page, problems } = await signedIn(`/units/T01?lang=${lang}`);
      expect(await page.locator("h1").textContent()).toContain(
        lang === "zh" ? "竹和街道" : "Zhuhe Subdistrict",
      );
      const rows = await chartsRendered(page);
      const here = "unit_level = 'township' and unit_code = 'T01' and group_var = '' and not is_withheld";
      expect(rows["chart-unit-scorecard"]).toBe(
        await count(`${here} and wave_id = '2026' and org_level = 'township' and aspect = ''
          and index_id in ('composite', 'awareness', 'participation', 'approval', 'satisfaction')`),
      );
      expect(rows["chart-unit-history"]).toBe(
        await count(`${here} and index_id = 'composite' and org_level = 'township'`),
      );
      expect(rows["chart-unit-items"]).toBe(
        await count(`${here} and wave_id = '2026' and index_id in ('approval_aspect', 'satisfaction_pct')`),
      );
      await page.screenshot({ path: join(ARTIFACTS, `unit-${lang}.png`), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    });
  }

  it("shows a village's model-based figures, labelled so, and links to its township", async () => {
    const [village] = await db.query<{ unit_code: string; parent_code: string }>(
      "select unit_code, parent_code from seed_units__mass_org_evaluation where unit_level = 'village' order by unit_code limit 1",
    );
    const { page, problems } = await signedIn(`/units/${village!.unit_code}`);
    // no direct figure from ~3 respondents: small-area estimates, each labelled model-based
    const [{ n }] = (await db.query<{ n: number }>(
      `select count(*)::int as n from sae_estimates__mass_org_evaluation
       where unit_level = 'village' and unit_code = $1 and wave_id = (select max(wave_id) from sae_estimates__mass_org_evaluation)
         and is_primary`,
      [village!.unit_code],
    )) as [{ n: number }];
    const labels = await page.locator("table.sae-figures td.model-based").allTextContents();
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.length).toBeLessThanOrEqual(n);
    for (const l of labels)
      expect([message("sae.model_based_label", "zh"), message("sae.synthetic", "zh")]).toContain(l);
    expect(await page.locator(`.breadcrumb a[href^="/units/${village!.parent_code}"]`).count()).toBe(1);
    // every shown figure is the mart's, rounded to one decimal, for the page's wave and level
    const wave = await page.locator("select[name=wave]").inputValue();
    const level = await page.locator("select[name=level]").inputValue();
    const mart = await db.query<{ organization_id: string; index_id: string; e: number; withheld: boolean }>(
      `select organization_id, index_id, estimate_0_100 as e, is_withheld as withheld from sae_estimates__mass_org_evaluation
       where unit_code = $1 and wave_id = $2 and org_level = $3 and method <> 'direct'`,
      [village!.unit_code, wave, level],
    );
    const shown = await page.locator("table.sae-figures tbody tr").evaluateAll((trs) =>
      trs.map((tr) => ({
        org: tr.getAttribute("data-organization"),
        index: tr.getAttribute("data-index"),
        estimate: tr.querySelector("td.estimate")?.textContent ?? null,
      })),
    );
    expect(shown.length).toBe(mart.length);
    expect(shown.filter((s) => s.estimate !== null).length).toBeGreaterThan(0);
    for (const s of shown) {
      const m = mart.find((r) => r.organization_id === s.org && r.index_id === s.index)!;
      expect(m).toBeDefined();
      expect(s.estimate).toBe(m.withheld ? null : (Math.round(m.e * 10) / 10).toFixed(1));
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a village's first model-based figure on a 390 px phone without scrolling sideways", async () => {
    const [village] = await db.query<{ unit_code: string }>(
      "select unit_code from seed_units__mass_org_evaluation where unit_level = 'village' order by unit_code limit 1",
    );
    for (const lang of ["zh", "en"]) {
      const { page, problems } = await signedIn(`/units/${village!.unit_code}?lang=${lang}`);
      await page.setViewportSize({ width: 390, height: 900 });
      // the longest organization name (English) and the method's mark once pushed it off the screen
      const box = await page.locator("table.sae-figures td.estimate").first().boundingBox();
      expect(box).not.toBeNull();
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(ARTIFACTS, `village-${lang}-390.png`), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    }
  });
});

describe("methodology page", () => {
  it("shows the weighting diagnostics of every wave and the suppression rules", async () => {
    const { page, problems } = await signedIn("/methodology?lang=en");
    expect(await page.locator("table.diagnostics tbody tr").count()).toBe(3);
    expect(await page.locator("main").textContent()).toContain("fewer than 30 respondents");
    await page.screenshot({ path: join(ARTIFACTS, "methodology-en.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
