import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

// A real server on loopback over a real demo database, and Debian's chromium.
const ARTIFACTS = join(import.meta.dirname, "../artifacts");
const PASSWORD = "a-long-test-password";

let db: Database;
let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  ({ db } = await demoDatabase());
  await createUser(db, "leader", "viewer", PASSWORD);
  server = await new Promise<Server>((resolve) => {
    const s = createApp({ db, sessionSecret: randomBytes(32) }).listen(0, "127.0.0.1", () => resolve(s));
  });
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (db) await closeDatabase(db);
});

describe("overview page", () => {
  for (const lang of ["zh", "en"] as const) {
    it(`renders the district chart in ${lang} with one point per figure and no console errors`, async () => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      // signed out, the overview sends the browser to the sign-in form, and back after it
      await page.goto(`${base}/?lang=${lang}`);
      expect(new URL(page.url()).pathname).toBe("/signin");
      await page.fill("input[name=user]", "leader");
      await page.fill("input[name=password]", PASSWORD);
      await page.click("button[type=submit]");
      await page.waitForURL(`${base}/?lang=${lang}`);
      const chart = page.locator("#chart-district");
      await expect.poll(() => chart.getAttribute("data-rendered"), { timeout: 20_000 }).toBe("true");
      const rows = Number(await chart.getAttribute("data-rows"));
      const [{ n }] = (await db.query<{ n: number }>(
        `select count(*)::int as n from index_scores__mass_org_evaluation
         where unit_level = 'district' and group_var = '' and index_id = 'awareness' and org_level = 'township' and aspect = '' and not is_withheld`,
      )) as [{ n: number }];
      expect(rows).toBe(n);
      expect(n).toBe(9); // three organizations x three waves
      // one filled point symbol and one CI rule per figure
      expect(await chart.locator("g.mark-symbol.role-mark path").count()).toBe(n);
      expect(await chart.locator("g.mark-rule.role-mark line").count()).toBe(n);
      const heading = await page.locator("h2").first().textContent();
      expect(heading).toBe(
        lang === "zh"
          ? "全区知晓率（含95%置信区间）"
          : "District awareness rate (with 95% confidence interval)",
      );
      await page.screenshot({ path: join(ARTIFACTS, `overview-${lang}.png`), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    });
  }
});
