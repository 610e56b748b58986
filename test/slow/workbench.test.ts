import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import iconv from "iconv-lite";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { message } from "../../messages/catalogue.ts";
import { modelEvents } from "../../models/index.ts";
import { Analytics } from "../../server/analytics.ts";
import { createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { Writer } from "../../server/writer.ts";
import type { Study } from "../../study/index.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

// The statistics team's upload page and the analysts' SQL console, in Debian chromium against
// a real server on loopback with the real SQL sandbox.
const ARTIFACTS = join(import.meta.dirname, "../artifacts");
const PASSWORD = "a-long-test-password";

let db: Database;
let study: Study;
let dir: string;
let analytics: Analytics;
let server: Server;
let base: string;
let browser: Browser;
const refresh = () => analytics.refresh();
/** The app's writer: the model runs uploads leave running finish before the database closes. */
const writer = new Writer();

beforeAll(async () => {
  ({ db, study, dir } = await demoDatabase());
  analytics = new Analytics(db);
  await analytics.start();
  modelEvents.on("finished", refresh);
  await createUser(db, "stats", "uploader", PASSWORD);
  await createUser(db, "ana", "analyst", PASSWORD);
  await createUser(db, "bea", "analyst", PASSWORD);
  server = await new Promise<Server>((resolve) => {
    const s = createApp({ db, analytics, writer, sessionSecret: randomBytes(32) }).listen(
      0,
      "127.0.0.1",
      () => resolve(s),
    );
  });
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await writer.idle();
  modelEvents.off("finished", refresh);
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await analytics?.stop();
  if (db) await closeDatabase(db);
});

async function signIn(user: string, path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(`${base}${path}`);
  await page.fill("input[name=user]", user);
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}${path}`);
  return page;
}

/** Replaces the SQL editor's text as a user would: select all, type. */
async function setSql(page: Page, text: string): Promise<void> {
  await page.click("#editor .cm-content");
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}

describe("upload page", () => {
  it("previews a file, uploads it and shows the server's report", async () => {
    // five new respondents of wave 2026, one with an impossible age
    const lines = readFileSync(join(study.dir, "responses/wave-2026.csv"), "utf8").trimEnd().split("\n");
    const header = lines[0]!.split(",");
    const age = header.indexOf("age");
    const rows = lines.slice(1, 6).map((line, i) => {
      const cells = line.split(",");
      cells[0] = `2026-9${String(i).padStart(4, "0")}`;
      if (i === 2) cells[age] = "130";
      return cells.join(",");
    });
    const file = join(dir, "extra-2026.csv");
    writeFileSync(file, `${lines[0]}\n${rows.join("\n")}\n`);
    const page = await signIn("stats", "/upload?lang=en");
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.selectOption("#wave", "2026");
    await page.setInputFiles("#file", file);
    await expect.poll(() => page.locator("#preview-table tr").count()).toBe(6);
    expect(await page.locator("#preview-meta").textContent()).toContain("utf-8");
    expect(await page.locator("#preview-table th").first().textContent()).toBe("resp_id → resp_id");
    await page.click("#send");
    await expect
      .poll(() => page.locator("#report-body p").first().textContent(), { timeout: 60_000 })
      .toMatch(/loaded .*accepted 4, rejected 1/);
    expect(await page.locator("#report-body table td").allTextContents()).toContain("age");
    // the rejected row downloads in the file's own layout
    const download = await page.locator("#report-body a").getAttribute("href");
    const rejects = await page.evaluate(async (href) => (await fetch(href!)).text(), download);
    // ... with the study's personal-data rules applied: the name dropped, the phone HMACed,
    // the open answers left out (they may name people)
    const [head, rejected, ...more] = rejects
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    // and a last column saying why, in the page's language
    expect(head).toBe(`${lines[0]},${message("export.reason_column", "en")}`);
    expect(more).toEqual([]);
    const sent = rows[2]!.split(",");
    const got = rejected!.split(",");
    expect(got).toHaveLength(header.length + 1);
    expect(got.at(-1)).toMatch(/^age = 130: /);
    header.forEach((column, i) => {
      if (column === "name" || column.startsWith("op_")) expect(got[i], column).toBe("");
      else if (column === "phone") expect(got[i]).toMatch(/^hmac:[0-9a-f]{64}$/);
      else expect(got[i], column).toBe(sent[i]);
    });
    await expect.poll(() => page.locator("#history tr").count()).toBe(5);
    await page.screenshot({ path: join(ARTIFACTS, "upload-en.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("upload page in Chinese", () => {
  it("reports a repeated file in Chinese and replaces the upload holding its respondents in one click", async () => {
    // the four respondents the first test loaded, sent again (a corrected file): all refused
    const lines = readFileSync(join(study.dir, "responses/wave-2026.csv"), "utf8").trimEnd().split("\n");
    const rows = lines
      .slice(1, 6)
      .map((line, i) => {
        const cells = line.split(",");
        cells[0] = `2026-9${String(i).padStart(4, "0")}`;
        return cells.join(",");
      })
      .filter((_, i) => i !== 2);
    // as a GBK export (问卷星 and Excel in China write GBK)
    const file = join(dir, "调查数据-2026-修正.csv");
    const text = `${lines[0]}\n${rows.join("\n")}\n`;
    expect(text).toMatch(/[\u4e00-\u9fff]/);
    writeFileSync(file, iconv.encode(text, "gbk"));
    const page = await signIn("stats", "/upload?lang=zh");
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("dialog", (d) => d.accept());
    await page.selectOption("#wave", "2026");
    await page.setInputFiles("#file", file);
    await page.click("#send");
    const summary = page.locator("#report-body p").first();
    await expect.poll(() => summary.textContent(), { timeout: 60_000 }).toContain("未通过 4 行");
    const held = (await page.locator("#replace-offer").textContent()) ?? "";
    expect(held).toMatch(/^替换上传 /);
    // every word from the catalogue: only file names, ids, column names and numbers are not Chinese
    const words = [
      ...(await page.locator("#report-body p").allTextContents()),
      ...(await page.locator("#report-body th, #history th").allTextContents()),
      held,
    ]
      .join(" ")
      .replaceAll("调查数据-2026-修正.csv", "")
      .replaceAll("extra-2026.csv", "")
      .replace(/[\w.-]*\d[\w.-]*/g, "");
    // (the rejects note names the personal columns and the hmac: marker)
    const known = new Set([...lines[0]!.split(","), "hmac"]);
    expect((words.match(/[A-Za-z_]{2,}/g) ?? []).filter((w) => !known.has(w))).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1200);
    await page.screenshot({ path: join(ARTIFACTS, "upload-zh-replace-offer.png"), fullPage: true });
    // the rejected rows come back in GBK, with a column saying why in Chinese
    const href = await page.locator("#report-body a").getAttribute("href");
    const bytes = await page.evaluate(
      async (h) => [...new Uint8Array(await (await fetch(h!)).arrayBuffer())],
      href,
    );
    const rejects = iconv.decode(Buffer.from(bytes), "gb18030").trimEnd().split("\r\n");
    expect(rejects[0]).toBe(`${lines[0]},${message("export.reason_column", "zh")}`);
    expect(rejects).toHaveLength(5);
    expect(rejects[1]!.endsWith(`：${message("reject.duplicate_id_in_wave", "zh")}`)).toBe(true);
    // one click: the same file goes again, replacing the upload that holds those respondents
    await page.click("#replace-offer");
    await expect.poll(() => summary.textContent(), { timeout: 60_000 }).toContain("通过 4 行，未通过 0 行");
    await expect.poll(() => page.locator("#history").textContent()).toContain("已被替换");
    const [replaced] = await db.query<{ n: number }>(
      "select count(*)::int as n from uploads where file_name = '调查数据-2026-修正.csv' and status = 'loaded' and replaces_upload_id is not null",
    );
    expect(replaced!.n).toBe(1);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, "upload-zh-390.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("SQL console", () => {
  it("runs a query and charts it, with the schema of the snapshot", async () => {
    const page = await signIn("ana", "/sql?lang=en");
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.click("#run");
    await expect.poll(() => page.locator("#result tr").count(), { timeout: 20_000 }).toBe(10);
    // three organizations per wave: by default one bar per wave at their mean, never their sum
    const shown = await page.$$eval("#result tr", (trs) =>
      trs.slice(1).map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? "")),
    );
    const bars = page.locator("#chart g.mark-rect.role-mark path");
    await expect.poll(() => bars.count()).toBe(3);
    const firstWave = shown.filter((r) => r[0] === shown[0]![0]).map((r) => Number(r[2]));
    const mean = firstWave.reduce((a, b) => a + b, 0) / firstWave.length;
    const label = (await bars.first().getAttribute("aria-label")) ?? "";
    expect(label).toContain(`mean(estimate_0_100)`);
    expect(Number(/mean\(estimate_0_100\): ([\d.]+)/.exec(label)?.[1])).toBeCloseTo(mean, 1);
    // the analyst asks for a bar per row instead
    await page.selectOption("#chart-agg", "none");
    await expect.poll(() => bars.count()).toBe(9);
    // the download is named after the query's table
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#dl-csv")]);
    expect(download.suggestedFilename()).toMatch(/^index_scores__mass_org_evaluation-\d{8}-\d{4}\.csv$/);
    expect(await page.locator("#schema-list > li").count()).toBeGreaterThan(10);
    // table names wrap rather than being cut off
    const clipped = () =>
      page.$$eval(
        "#schema-list summary",
        (els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).length,
      );
    expect(await clipped()).toBe(0);
    await setSql(page, "delete from index_scores__mass_org_evaluation");
    await page.click("#run");
    await expect.poll(() => page.locator("#status").textContent()).toContain("not_read_only");
    // no chart (nor its options) for a refused statement
    expect(await page.locator("#chart-options").isVisible()).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, "sql-console-en.png"), fullPage: true });
    // a phone, in Chinese: the same console, one column
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/sql?lang=zh`);
    await page.click("#run");
    await expect
      .poll(() => page.locator("#chart g.mark-rect.role-mark path").count(), { timeout: 20_000 })
      .toBe(3);
    expect(await clipped()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(ARTIFACTS, "sql-console-zh-390.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("SQL console editor and saved queries", () => {
  it("completes a table name, runs the query, saves it on the server for this user only", async () => {
    const page = await signIn("ana", "/sql?lang=en");
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // the schema list has loaded (it also feeds the completion)
    await expect
      .poll(() => page.locator("#schema-list > li").count(), { timeout: 20_000 })
      .toBeGreaterThan(10);
    // CodeMirror's SQL highlighting: keywords get their own token class
    await expect.poll(() => page.locator("#editor .cm-line span").count()).toBeGreaterThan(0);
    await setSql(page, "select * from index_sco");
    await page.keyboard.press("Control+Space");
    const options = page.locator(".cm-tooltip-autocomplete li");
    await expect.poll(() => options.allTextContents()).toContain("index_scores__mass_org_evaluation");
    await options.filter({ hasText: /^index_scores__mass_org_evaluation$/ }).click();
    await page.keyboard.insertText(" where unit_level = 'district' limit 7");
    expect(await page.locator("#editor .cm-content").textContent()).toBe(
      "select * from index_scores__mass_org_evaluation where unit_level = 'district' limit 7",
    );
    await page.keyboard.press("ControlOrMeta+Enter");
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 20_000 }).toMatch(/^7 rows/);
    await expect.poll(() => page.locator("#result tr").count()).toBe(8);
    // saved under a name, on the server: still there after a reload
    page.once("dialog", (d) => d.accept("seven districts"));
    await page.click("#save");
    await expect.poll(() => page.locator("#status").textContent()).toBe("Saved: seven districts");
    await page.reload();
    await expect.poll(() => page.locator("#saved option").allTextContents()).toContain("seven districts");
    await page.selectOption("#saved", "seven districts");
    expect(await page.locator("#editor .cm-content").textContent()).toContain("limit 7");
    // a column of a table is offered after the table's name and a dot
    await setSql(page, "select index_scores__mass_org_evaluation.wave_i");
    await page.keyboard.press("Control+Space");
    await expect.poll(() => options.allTextContents()).toContain("wave_id");
    await page.keyboard.press("Escape");
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(ARTIFACTS, "sql-editor-390.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
    // another analyst sees none of it, in the page or through the API
    const other = await signIn("bea", "/sql?lang=en");
    await expect.poll(() => other.locator("#saved option").count()).toBe(1);
    const theirs = await other.evaluate(async () => (await (await fetch("/api/v1/queries")).json()).queries);
    expect(theirs).toEqual([]);
    await other.close();
  });

  it("offers queries an earlier version kept in the browser once, then forgets them", async () => {
    const page = await signIn("bea", "/sql?lang=zh");
    // the dialogs are answered from here on (a dialog nobody answers is dismissed), and the
    // page has finished its own start (offer, then the list: no request left) before the old
    // queries are put in its storage; should its start still see them, it asks the same question
    const asked: string[] = [];
    page.on("dialog", (d) => {
      asked.push(d.message());
      d.accept();
    });
    await page.waitForLoadState("networkidle");
    await page.evaluate(() =>
      localStorage.setItem("barometer.savedQueries", JSON.stringify([{ name: "旧查询", sql: "select 1" }])),
    );
    await page.reload();
    await expect.poll(() => page.locator("#saved option").allTextContents()).toContain("旧查询");
    expect(asked).toEqual([message("ui.import_local_queries", "zh", { n: 1 })]);
    await page.reload();
    await expect.poll(() => page.locator("#saved option").count()).toBe(2);
    expect(asked).toHaveLength(1);
    // deleted after a confirmation naming it
    await page.selectOption("#saved", "旧查询");
    await page.click("#delete-saved");
    await expect.poll(() => page.locator("#saved option").count()).toBe(1);
    expect(asked[1]).toBe(message("ui.confirm_delete_query", "zh", { name: "旧查询" }));
    expect(await db.query("select name from saved_queries where user_name = 'bea'")).toEqual([]);
    await page.close();
  });
});
