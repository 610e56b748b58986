import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { type MessageKey, message } from "../../messages/catalogue.ts";
import { readRelease } from "../../models/index.ts";
import { buildSiteMarts } from "../../models/sites/buildSiteMarts.ts";
import { createSiteRelease } from "../../models/sites/releaseSites.ts";
import { createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { loadSiteStudy } from "../../study/sites/index.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { listenOnLoopback } from "../helpers/listen.ts";

// The demonstration sites' pages in Debian chromium over a real server and a real database
// built from the demo's files: the sites overview, a site page and a work-group page, in
// Chinese and English, at 1366 and 390 px. Shown numbers and statuses are read off the page
// and compared with the site_scores mart.
const ARTIFACTS = join(import.meta.dirname, "../artifacts");
const PASSWORD = "a-long-test-password";
let db: Database;
let server: Server;
let base: string;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  db = await openDatabase(join(mkdtempSync(join(tmpdir(), "barometer-sites-")), "sites.duckdb"));
  await buildSiteMarts(db, loadSiteStudy("examples/demonstration-sites"));
  await createUser(db, "leader", "viewer", PASSWORD);
  ({ server, base } = await listenOnLoopback(createApp({ db, sessionSecret: randomBytes(32) })));
  browser = await launchBrowser();
  context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/sites`);
  await page.fill("input[name=user]", "leader");
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}/sites`);
  await page.close();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (db) await closeDatabase(db);
});

async function open(path: string, width: number): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  await page.setViewportSize({ width, height: 900 });
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  const response = await page.goto(`${base}${path}`);
  expect(response?.status(), path).toBe(200);
  for (const chart of await page.locator(".chart").all()) {
    await expect.poll(() => chart.getAttribute("data-rendered"), { timeout: 20_000 }).toBe("true");
    const n = Number(await chart.getAttribute("data-rows"));
    const marks = await chart.getAttribute("data-marks");
    expect(await chart.locator(`svg g.role-mark[class*="${marks}"] > path`).count()).toBe(n);
  }
  // no horizontal scroll of the page itself (wide tables scroll inside their box)
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  return { page, problems };
}

const latest = async () =>
  (
    (await db.query<{ p: string }>("select max(period) as p from site_scores__demonstration_sites")) as [
      { p: string },
    ]
  )[0].p;

describe.each([
  ["zh", ""],
  ["en", "lang=en"],
] as const)("demonstration sites in %s", (lang, query) => {
  const q = (extra = "") => [query, extra].filter(Boolean).join("&");
  for (const width of [1366, 390]) {
    it(`the sites overview at ${width} px shows every site's combined score and status as the mart holds them`, async () => {
      const period = await latest();
      const { page, problems } = await open(`/sites?${q()}`, width);
      const mart = await db.query<{ site_id: string; combined: number | null; status: string }>(
        "select site_id, combined_0_100 as combined, status from site_scores__demonstration_sites where period = $1",
        [period],
      );
      expect(await page.locator("table.sites-table tbody tr").count()).toBe(mart.length);
      for (const row of mart) {
        const tr = page.locator(`tr[data-site="${row.site_id}"]`);
        expect(await tr.locator("td.combined").textContent()).toBe(
          row.combined === null ? "—" : row.combined.toFixed(1),
        );
        expect(await tr.locator(".site-status").textContent()).toBe(
          message(`sites.status.${row.status}` as MessageKey, lang),
        );
      }
      await page.screenshot({ path: join(ARTIFACTS, `sites-${lang}-${width}.png`), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    });
  }

  it("a declining site's page shows its history, its assessors side by side and the rule that fired", async () => {
    const { page, problems } = await open(`/sites/S07?${q()}`, 1366);
    const history = await db.query<{ period: string; combined: number }>(
      "select period, combined_0_100 as combined from site_scores__demonstration_sites where site_id = 'S07' order by period",
    );
    const shown = await page.locator("table").first().locator("tbody td.combined").allInnerTexts();
    expect(shown).toEqual(history.map((h) => h.combined.toFixed(1)));
    const ratings = await db.query("select 1 from site_ratings__demonstration_sites where site_id = 'S07'");
    expect(await page.locator("table").nth(1).locator("tbody tr").count()).toBe(ratings.length);
    expect(await page.locator("ul.verdicts li").count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, `site-S07-${lang}.png`), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("a work group's page lists its sites and says whether its severity is identified", async () => {
    const period = await latest();
    const { page, problems } = await open(`/sites/groups/g3?${q(`period=${period}`)}`, 390);
    const [{ n }] = (await db.query<{ n: number }>(
      "select count(*)::int as n from site_scores__demonstration_sites s join site_register__demonstration_sites r using (site_id) where period = $1 and work_group = 'g3'",
      [period],
    )) as [{ n: number }];
    expect(await page.locator("tbody tr").count()).toBe(n);
    const effect = await db.query<{ effect: number }>(
      "select effect from site_rater_effects__demonstration_sites where period = $1 and rater_kind = 'work_group' and rater_id = 'g3'",
      [period],
    );
    const text = await page.locator("p.note").textContent();
    if (effect[0]) expect(text).toContain(effect[0].effect.toFixed(1));
    else expect(text).toBe(message("sites.group_not_identified", lang));
    await page.screenshot({ path: join(ARTIFACTS, `sites-group-${lang}.png`), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe("a half-year's release as a PDF", () => {
  it("prints a summary page and a page per work group, each site's score and status as released", async () => {
    const period = await latest();
    const record = await createSiteRelease(db, "demonstration_sites", period, "test");
    // the signed-in leader's own session prints it (the server hands Chromium their cookie)
    const res = await context.request.get(`${base}/releases/${record.release_id}/report.pdf`);
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toBe("application/pdf");
    const file = join(mkdtempSync(join(tmpdir(), "barometer-sites-pdf-")), "sites.pdf");
    writeFileSync(file, await res.body());
    const released = (await readRelease(db, record.release_id)).file;
    const rows = released.rows.map(
      (r) => Object.fromEntries(released.columns.map((c, i) => [c, r[i]])) as Record<string, unknown>,
    );
    const groups = [...new Set(rows.map((r) => r.work_group as string))];
    const pages = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).split("\f");
    expect(pages.filter((p) => p.trim()).length).toBe(1 + groups.length);
    // each work group's page: its sites' rows, best first, each with its combined score and status
    const statusWords = ["good_standing", "watch", "exit_review", "exited"].map((s) =>
      message(`sites.status.${s}` as MessageKey, "zh"),
    );
    for (const [i, group] of groups.entries()) {
      const mine = rows
        .filter((r) => r.work_group === group)
        .sort((a, b) => ((b.combined_0_100 as number) ?? -1) - ((a.combined_0_100 as number) ?? -1));
      const lines = pages[1 + i]!.split("\n").filter((l) => statusWords.some((w) => l.trimEnd().endsWith(w)));
      expect(lines.length, `group ${group}`).toBe(mine.length);
      expect(lines.map((l) => /\d+\.\d/.exec(l)?.[0] ?? "—")).toEqual(
        mine.map((r) => (r.combined_0_100 === null ? "—" : (r.combined_0_100 as number).toFixed(1))),
      );
      expect(lines.map((l) => statusWords.find((w) => l.trimEnd().endsWith(w)))).toEqual(
        mine.map((r) => message(`sites.status.${r.status}` as MessageKey, "zh")),
      );
    }
    // the summary counts the sites by status as released
    const exits = rows.filter((r) => r.status === "exit_review").length;
    expect(pages[0]).toContain(`退出审查 ${exits} 个`);
  });
});
