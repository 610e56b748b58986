import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { createApp } from "../../server/index.ts";
import { openapi } from "../../server/openapi.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { listenOnLoopback } from "../helpers/listen.ts";

// Issue 17: /api/docs in a browser is Swagger UI (served by the app, under its strict content
// security policy) showing every path of the OpenAPI document; a client asking for JSON still
// gets the document, also at /api/docs/openapi.json.
const ARTIFACTS = join(import.meta.dirname, "../artifacts");

let db: Database;
let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  db = await openDatabase(join(mkdtempSync(join(tmpdir(), "barometer-api-docs-")), "a.duckdb"));
  ({ server, base } = await listenOnLoopback(createApp({ db, sessionSecret: randomBytes(32) })));
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (db) await closeDatabase(db);
});

describe("/api/docs", () => {
  it("shows every path of the OpenAPI document in Swagger UI, without console errors", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`${base}/api/docs`);
    await page.waitForSelector(".opblock-summary-path", { timeout: 60_000 });
    const shown = await page.$$eval(".opblock-summary-path", (els) =>
      els.map((e) => e.getAttribute("data-path") ?? e.textContent?.replace(/\u200b/g, "").trim() ?? ""),
    );
    const title = await page.textContent(".info .title");
    await page.screenshot({ path: join(ARTIFACTS, "api-docs-1366.png") });
    await page.close();
    expect(title).toContain(openapi.info.title);
    const paths = Object.keys(openapi.paths);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(shown).toContain(path);
    expect(problems).toEqual([]);
  });

  it("answers JSON to a client that asks for it", async () => {
    const json = await fetch(`${base}/api/docs`, { headers: { accept: "application/json" } });
    expect(json.headers.get("content-type")).toMatch(/application\/json/);
    expect((await json.json()).openapi).toBe("3.1.0");
    const file = await fetch(`${base}/api/docs/openapi.json`);
    expect((await file.json()).paths).toEqual(JSON.parse(JSON.stringify(openapi.paths)));
  });
});
