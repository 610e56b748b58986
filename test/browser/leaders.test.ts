import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import ExcelJS from "exceljs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { type Lang, message } from "../../messages/catalogue.ts";
import { Analytics } from "../../server/analytics.ts";
import { createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";
import { listenOnLoopback } from "../helpers/listen.ts";

// What leaders read (issue 18), in Debian chromium against a real server on loopback over the
// demo database: every page an admin can open, at a phone's 390 px and a desk's 1366 px, in zh
// and en, fits the screen (no horizontal scroll of the page), draws every chart with a size, lets
// no two texts of a chart overlap, and shows a number equal to the mart's. One browser, one
// server, one signed-in page per width, reused for every page.
const ARTIFACTS = join(import.meta.dirname, "../artifacts");
const SHOTS = process.env.BAROMETER_SHOTS; // e.g. /tmp/shots: screenshots of every page and width
const PASSWORD = "a-long-test-password";
const SCORES = "index_scores__mass_org_evaluation";
const WIDTHS = [390, 1366] as const;
const LANGS = ["zh", "en"] as const;

let db: Database;
let analytics: Analytics;
let server: Server;
let base: string;
let browser: Browser;
const pages = new Map<number, { context: BrowserContext; page: Page; problems: string[] }>();

/** The README's example township (`/units/T03`): its page must have figures. */
const README_UNIT = /`\/units\/(T\d+)`/.exec(
  readFileSync(join(import.meta.dirname, "../../README.md"), "utf8"),
)![1]!;

beforeAll(async () => {
  ({ db } = await demoDatabase());
  analytics = new Analytics(db);
  await analytics.start();
  await createUser(db, "boss", "admin", PASSWORD);
  await createUser(db, "leader", "viewer", PASSWORD);
  ({ server, base } = await listenOnLoopback(createApp({ db, analytics, sessionSecret: randomBytes(32) })));
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  for (const width of WIDTHS) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(`${base}/signin`);
    await page.fill("input[name=user]", "boss");
    await page.fill("input[name=password]", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/`);
    pages.set(width, { context, page, problems });
  }
}, 300_000);

afterAll(async () => {
  for (const { context } of pages.values()) await context.close();
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await analytics?.stop();
  if (db) await closeDatabase(db);
});

const one = async <T>(sql: string, params: Parameters<Database["query"]>[1] = []) =>
  (await db.query<T>(sql, params))[0] as T;

/** Open `path` on the page of `width`; every chart rendered; nothing wider than the screen. */
async function open(width: number, path: string, name: string): Promise<Page> {
  const { page, problems } = pages.get(width)!;
  problems.length = 0;
  const response = await page.goto(`${base}${path}`);
  expect(response?.status(), path).toBe(200);
  // the app's charts and a notebook's
  for (const chart of await page.locator(".chart[data-spec-id], figure.nb-chart").all()) {
    await expect.poll(() => chart.getAttribute("data-rendered"), { timeout: 20_000 }).toBe("true");
    const box = await chart.locator("svg").first().boundingBox();
    expect(box && box.width > 0 && box.height > 0, `${await chart.getAttribute("id")} has a size`).toBe(true);
  }
  const fits = await page.evaluate(() => ({
    scroll: document.scrollingElement!.scrollWidth,
    inner: window.innerWidth,
  }));
  expect(fits.scroll, `${path} at ${width} px scrolls sideways`).toBeLessThanOrEqual(fits.inner);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
  expect(problems, path).toEqual([]);
  return page;
}

/**
 * Pairs of texts in a chart's SVG that overlap. A text's box is its font's full em box (for CJK
 * fonts a third taller than the glyphs), so each is taken by its middle half in height: texts
 * on neighbouring rows 13 px apart do not touch, a header line written over a cell does.
 */
async function overlappingTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const svg of Array.from(document.querySelectorAll(".chart svg.marks"))) {
      const boxes = Array.from(svg.querySelectorAll("text"))
        .filter((t) => {
          if (!t.textContent?.trim()) return false;
          for (let e: Element | null = t; e && e !== svg; e = e.parentElement)
            if (e.getAttribute("opacity") === "0" || getComputedStyle(e).opacity === "0") return false;
          return true;
        })
        .map((t) => {
          const r = t.getBoundingClientRect();
          return {
            text: t.textContent!,
            box: { left: r.left, right: r.right, top: r.top + r.height / 4, bottom: r.bottom - r.height / 4 },
          };
        });
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i]!.box;
          const b = boxes[j]!.box;
          const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (w > 1 && h > 1) {
            const id = svg.closest(".chart")?.id;
            found.push(`${id}: "${boxes[i]!.text}" × "${boxes[j]!.text}"`);
          }
        }
    }
    return found;
  });
}

/** Every chart drawn within its box: narrowed to the screen, not scrolled inside it. */
async function chartsWithinScreen(page: Page, width: number): Promise<void> {
  const widths = await page
    .locator(".chart svg.marks")
    .evaluateAll((svgs) =>
      svgs.map((s) => ({ id: s.closest(".chart")!.id, right: s.getBoundingClientRect().right })),
    );
  for (const w of widths) expect(w.right, `${w.id} at ${width} px`).toBeLessThanOrEqual(width);
}

const q = (lang: Lang, extra = "") => {
  const parts = [extra, lang === "en" ? "lang=en" : ""].filter(Boolean);
  return parts.length ? `?${parts.join("&")}` : "";
};

describe.each(LANGS)("leaders' pages in %s", (lang) => {
  for (const width of WIDTHS) {
    it(`overview at ${width} px: fits, charts sized and not overlapping, changes and numbers from the mart`, async () => {
      const page = await open(width, `/${q(lang)}`, `overview-${lang}`);
      expect(await overlappingTexts(page)).toEqual([]);
      await chartsWithinScreen(page, width);
      // the scorecard's first figure is the mart's (union, composite, district, latest wave)
      const union = await one<{ e: number }>(
        `select estimate_0_100 as e from ${SCORES} where wave_id = '2026' and unit_level = 'district' and group_var = ''
         and org_level in ('township', '') and aspect = '' and organization_id = 'union' and index_id = 'composite'`,
      );
      expect(await page.locator("table.scorecard tbody td .est").first().textContent()).toBe(
        union.e.toFixed(1),
      );
      // the change chart draws every comparable township; the list names the significant ones
      const townships = `wave_id = '2026' and unit_level = 'township' and group_var = '' and aspect = ''
        and org_level in ('township', '') and index_id = 'composite'`;
      const comparable = await one<{ n: number }>(
        `select count(*)::int as n from ${SCORES} where ${townships} and change_ci_low_0_100 is not null`,
      );
      expect(Number(await page.locator("#chart-changes").getAttribute("data-rows"))).toBe(comparable.n);
      const significant = await db.query<{ change: number }>(
        `select change_0_100 as change from ${SCORES} where ${townships} and is_change_significant
         order by abs(change_0_100) desc, unit_code limit 10`,
      );
      const rows = page.locator("#table-changes tbody tr");
      expect(await rows.count()).toBe(significant.length);
      if (significant.length)
        expect(await rows.first().locator(".arrow").textContent()).toContain(
          Math.abs(significant[0]!.change).toFixed(1),
        );
      // the tier palette says what it means
      expect(await page.locator("#chart-townships ~ figcaption").textContent()).toContain(
        message("fig.tier_palette", lang),
      );
    });

    it(`unit page (the README's ${README_UNIT}) at ${width} px: fits, charts sized and not overlapping, figures from the mart`, async () => {
      const page = await open(width, `/units/${README_UNIT}${q(lang)}`, `unit-${lang}`);
      // scorecard, history and items, and the township's villages as a grid
      expect(await page.locator(".chart").count()).toBe(4);
      expect(await page.locator(".village-grid .chart").count()).toBe(1);
      expect(await overlappingTexts(page)).toEqual([]);
      await chartsWithinScreen(page, width);
      const union = await one<{ e: number }>(
        `select estimate_0_100 as e from ${SCORES} where wave_id = '2026' and unit_level = 'township' and unit_code = $1
         and group_var = '' and org_level in ('township', '') and aspect = '' and organization_id = 'union' and index_id = 'composite'`,
        [README_UNIT],
      );
      expect(await page.locator("table.scorecard tbody td .est").first().textContent()).toBe(
        union.e.toFixed(1),
      );
    });

    it(`methodology at ${width} px: fits, the margin named by its short label, respondents from the mart`, async () => {
      const page = await open(width, `/methodology${q(lang)}`, `methodology-${lang}`);
      const text = (await page.locator("main").textContent())!;
      expect(text).toContain(lang === "zh" ? "镇（街道）" : "Township");
      expect(text).not.toContain("您所在的镇（街道）");
      const first = await one<{ n: number }>(
        "select n_respondents::int as n from weighting_diagnostics__mass_org_evaluation order by wave_id limit 1",
      );
      expect(await page.locator("table.diagnostics tbody tr").first().textContent()).toContain(
        String(first.n),
      );
    });

    it(`upload and SQL console at ${width} px: fit the screen, with the mart's numbers`, async () => {
      const upload = await open(width, `/upload${q(lang)}`, `upload-${lang}`);
      const reports = await db.query<{ n: number }>(
        "select n_accepted::int as n from upload_reports__mass_org_evaluation",
      );
      await expect
        .poll(() => upload.locator("#history tr").count(), { timeout: 10_000 })
        .toBe(reports.length + 1);
      const history = (await upload.locator("#history").textContent())!;
      for (const r of reports) expect(history).toContain(String(r.n));
      expect(await upload.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth)).toBe(
        true,
      );
      const sql = await open(width, `/sql${q(lang)}`, `sql-${lang}`);
      await sql.click("#run");
      const expected = await db.query<{ e: number }>(
        `select estimate_0_100 as e from ${SCORES} where unit_level = 'district' and index_id = 'awareness'
         and group_var = '' and org_level = 'township' order by wave_id, organization_id`,
      );
      await expect
        .poll(() => sql.locator("#result tr").count(), { timeout: 20_000 })
        .toBe(expected.length + 1);
      expect(Number(await sql.locator("#result tr").nth(1).locator("td").last().textContent())).toBeCloseTo(
        expected[0]!.e,
        6,
      );
      await sql.waitForSelector("#chart svg", { timeout: 20_000 });
      const fits = await sql.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth);
      expect(fits).toBe(true);
      if (SHOTS) await sql.screenshot({ path: join(SHOTS, `sql-run-${lang}-${width}.png`), fullPage: true });
    });

    it(`notebooks at ${width} px: the list and a notebook fit the screen, with the mart's numbers`, async () => {
      const list = await open(width, `/notebooks${q(lang)}`, `notebooks-${lang}`);
      expect(await list.locator("ul.nb-list li").count()).toBeGreaterThan(0);
      const page = await open(width, `/notebooks/weighting${q(lang)}`, `notebook-weighting-${lang}`);
      const first = await one<{ n: number }>(
        "select n_respondents::int as n from weighting_diagnostics__mass_org_evaluation order by wave_id limit 1",
      );
      // a count as notebooks show counts: with thousands separators (2,016)
      expect(await page.locator("main").textContent()).toContain(first.n.toLocaleString("en-US"));
    });
  }
});

describe("a unit whose figures are all withheld", () => {
  it("says so in a sentence instead of drawing empty charts, in both languages", async () => {
    // townships with not one shown figure in the latest wave at township level (T07 in the demo)
    const [withheld] = await db.query<{ unit_code: string }>(
      `select unit_code from ${SCORES} where wave_id = '2026' and unit_level = 'township' and group_var = ''
         and aspect = '' and org_level in ('township', '')
       group by unit_code having bool_and(is_withheld) order by unit_code limit 1`,
    );
    expect(withheld).toBeDefined();
    for (const lang of LANGS) {
      const page = await open(390, `/units/${withheld!.unit_code}${q(lang)}`, `unit-withheld-${lang}`);
      expect(await page.locator(".notice.all-withheld").textContent()).toBe(
        message("unit.all_withheld", lang),
      );
      expect(await page.locator("#chart-unit-scorecard, #chart-unit-items").count()).toBe(0);
      // whatever is drawn (the history of earlier waves) has no axis of an empty scale
      expect(await page.locator(".chart svg text", { hasText: "0.000000" }).count()).toBe(0);
    }
  });
});

describe("overview tables download as CSV and XLSX, formula-escaped", () => {
  it("the scorecard as CSV equals the page, the townships as XLSX hold every figure", async () => {
    const { page } = pages.get(1366)!;
    await page.goto(`${base}/`);
    const href = (await page.locator('.downloads a[href^="/tables/scorecard.csv"]').getAttribute("href"))!;
    const csv = await (await page.request.get(`${base}${href}`)).text();
    const lines = csv
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    const union = await one<{ e: number }>(
      `select round(estimate_0_100, 1) as e from ${SCORES} where wave_id = '2026' and unit_level = 'district' and group_var = ''
       and org_level in ('township', '') and aspect = '' and organization_id = 'union' and index_id = 'composite'`,
    );
    expect(lines[0]).toContain(message("fig.change_ci", "zh"));
    expect(lines.find((l) => l.includes("工会") && l.includes("综合指数"))).toContain(`,${union.e},`);
    const xlsxHref = (await page
      .locator('.downloads a[href^="/tables/townships.xlsx"]')
      .getAttribute("href"))!;
    const response = await page.request.get(`${base}${xlsxHref}`);
    expect(response.headers()["content-disposition"]).toContain(".xlsx");
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.body()) as unknown as ArrayBuffer);
    const townships = await one<{ n: number }>(
      `select count(*)::int as n from ${SCORES} where wave_id = '2026' and unit_level = 'township' and group_var = ''
       and aspect = '' and org_level in ('township', '') and index_id = 'composite'`,
    );
    expect(workbook.worksheets[0]!.rowCount).toBe(townships.n + 1);
    // a unit page's tables too
    const unit = await page.request.get(`${base}/units/${README_UNIT}/tables/items.csv?lang=en`);
    expect(unit.status()).toBe(200);
    expect(await unit.text()).toContain("Political guidance");
  });
});

describe("error pages", () => {
  it("404 and 403 are pages in the layout and language; the API keeps JSON", async () => {
    const { page } = pages.get(390)!;
    const missing = await page.goto(`${base}/no-such-page?lang=en`);
    expect(missing?.status()).toBe(404);
    expect(await page.locator("h1").textContent()).toContain(message("error.404_title", "en"));
    expect(await page.locator("header.top nav a").count()).toBeGreaterThan(3);
    const unit = await page.goto(`${base}/units/T99`);
    expect(unit?.status()).toBe(404);
    expect(await page.locator("h1").textContent()).toContain(message("error.404_title", "zh"));
    const api = await page.request.get(`${base}/api/v1/no-such-endpoint`);
    expect(api.status()).toBe(404);
    expect((await api.json()).error.code).toBe("not_found");
    // a viewer may not open the SQL console: a 403 page, its navigation without SQL or upload
    const context = await browser.newContext({ viewport: { width: 390, height: 900 } });
    const viewer = await context.newPage();
    await viewer.goto(`${base}/signin`);
    await viewer.fill("input[name=user]", "leader");
    await viewer.fill("input[name=password]", PASSWORD);
    await viewer.click("button[type=submit]");
    await viewer.waitForURL(`${base}/`);
    // downloads need the page's role: a viewer has it, a stranger is sent to sign in
    expect((await viewer.request.get(`${base}/tables/scorecard.xlsx`)).status()).toBe(200);
    const stranger = await fetch(`${base}/tables/scorecard.csv`, { redirect: "manual" });
    expect(stranger.status).toBe(303);
    expect(stranger.headers.get("location")).toContain("/signin");
    const forbidden = await viewer.goto(`${base}/sql`);
    expect(forbidden?.status()).toBe(403);
    expect(await viewer.locator("h1").textContent()).toContain(message("error.403_title", "zh"));
    const links = await viewer
      .locator("header.top nav a")
      .evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    expect(links).toContain("/notebooks");
    expect(links).not.toContain("/sql");
    expect(links).not.toContain("/upload");
    expect(await viewer.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth)).toBe(
      true,
    );
    await context.close();
  });
});
