import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import iconv from "iconv-lite";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { rejectSentence } from "../../ingest/rejectSentence.ts";
import { message } from "../../messages/catalogue.ts";
import { createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { Writer } from "../../server/writer.ts";
import type { Study } from "../../study/index.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

// Issue 17, the statistics team's whole round in Chinese, in Debian chromium against a real
// server on loopback over a real demo database: a GBK file with a Chinese name and two bad
// rows goes through /upload; the report (in Chinese, row by row) comes at the upload's commit
// and the figures follow ("updating…", then "updated"); the rejected rows download in GBK with
// the reason; the fixed file replaces that upload from the history, after its confirmation; the
// history and the figures show the replacement.

const PASSWORD = "a-long-test-password";
const S = "mass_org_evaluation";
const FIRST = "调查数据-2026-GBK.csv";
const FIXED = "调查数据-2026-GBK-修正.csv";

let db: Database;
let study: Study;
let dir: string;
let server: Server;
let base: string;
let browser: Browser;
/** The app's writer: the model runs the uploads leave running finish before the database closes. */
const writer = new Writer();

beforeAll(async () => {
  ({ db, study, dir } = await demoDatabase());
  await createUser(db, "tongji", "uploader", PASSWORD);
  server = await new Promise<Server>((resolve) => {
    const s = createApp({ db, writer, sessionSecret: randomBytes(32) }).listen(0, "127.0.0.1", () =>
      resolve(s),
    );
  });
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await writer.idle();
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (db) await closeDatabase(db);
});

/** Eight new respondents of wave 2026 (the demo file's rows 1-8 with new ids), the third and sixth bad or not. */
function respondents(bad: boolean): { header: string[]; rows: string[][] } {
  const lines = readFileSync(join(study.dir, "responses/wave-2026.csv"), "utf8").trimEnd().split("\n");
  const header = lines[0]!.split(",");
  const rows = lines.slice(1, 9).map((line, i) => {
    const cells = line.split(",");
    expect(cells).toHaveLength(header.length);
    cells[0] = `2026-7${String(i).padStart(4, "0")}`;
    if (bad && i === 2) cells[header.indexOf("village_code")] = "T01V999";
    if (bad && i === 5) cells[header.indexOf("age")] = "130";
    return cells;
  });
  return { header, rows };
}

/** The file as a Chinese collection tool exports it: GBK. */
function gbkFile(name: string, bad: boolean): string {
  const { header, rows } = respondents(bad);
  const text = `${[header, ...rows].map((r) => r.join(",")).join("\n")}\n`;
  // the open answers are Chinese, so the bytes are GBK's own, not ASCII
  expect(text).toMatch(/[\u4e00-\u9fff]/);
  const path = join(dir, name);
  writeFileSync(path, iconv.encode(text, "gbk"));
  return path;
}

/** Every text the element `#id` shows over time (watched in the page from before the upload). */
async function watch(page: Page, ids: string[]): Promise<void> {
  await page.evaluate((list) => {
    const seen: Record<string, string[]> = {};
    (window as unknown as { seen: typeof seen }).seen = seen;
    for (const id of list) {
      seen[id] = [];
      const el = document.getElementById(id)!;
      const note = () => {
        const shown = el.closest("[hidden]") === null;
        if (shown && el.textContent) seen[id]!.push(el.textContent);
      };
      new MutationObserver(note).observe(el, { subtree: true, childList: true, characterData: true });
      new MutationObserver(note).observe(el.closest("section")!, { subtree: true, attributes: true });
    }
  }, ids);
}
const seen = (page: Page) =>
  page.evaluate(() => (window as unknown as { seen: Record<string, string[]> }).seen);

describe("an upload round in Chinese", () => {
  it("GBK file with bad rows: report at commit, figures after, rejects in GBK, fixed file replaces it", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    await page.goto(`${base}/upload`);
    await page.fill("input[name=user]", "tongji");
    await page.fill("input[name=password]", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/upload`);
    expect(await page.locator("html").getAttribute("lang")).toMatch(/^zh/);

    await page.selectOption("#wave", "2026");
    await page.setInputFiles("#file", gbkFile(FIRST, true));
    await expect.poll(() => page.locator("#preview-table tr").count()).toBe(9);
    expect(await page.locator("#preview-meta").textContent()).toContain(`${FIRST}：`.slice(0, -1));
    await watch(page, ["upload-progress-text", "figures-text"]);
    await page.click("#send");
    const summary = page.locator("#report-body p").first();
    await expect.poll(() => summary.textContent(), { timeout: 60_000 }).toContain("未通过 2 行");

    // the file name as it was written, and the counts
    const said = (await summary.textContent())!;
    expect(said.startsWith(`${FIRST}：${message("ui.status_loaded", "zh")}（`)).toBe(true);
    expect(said).toContain("读取 8 行，通过 6 行，未通过 2 行");
    const uploadId = /（([A-Za-z0-9_-]+)）/.exec(said)![1]!;

    // each bad row as row, column, value and reason: line 4 (the third respondent, after the
    // header) and line 7; the examples are those sentences and nothing else (no code list)
    const cells = await page.$$eval("#report-body table tr", (trs) =>
      trs.slice(1).map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? "")),
    );
    const examples = cells.flatMap((c) => c[3]!.split("\n"));
    const psu = rejectSentence(4, "village_code", "T01V999", {
      zh: message("reject.unknown_psu", "zh"),
      en: message("reject.unknown_psu", "en"),
    }).zh;
    expect(examples).toContain(psu);
    expect(examples.filter((e) => e.startsWith("第 7 行 age = 130："))).toHaveLength(1);
    // (the village code is also not a choice of the codebook's list `village`, named as such)
    for (const e of examples)
      expect(e.replace("选项表 village 中", "选项表中")).toMatch(
        /^第 (4 行 village_code = T01V999|7 行 age = 130)：[^A-Za-z]+$/,
      );
    // only those two columns (the bad village code fails two rules: not a choice, not in the frame)
    expect([...new Set(cells.map((c) => c[0]))].sort()).toEqual(["age", "village_code"]);

    // a progress line while the file was sent and validated
    const during = await seen(page);
    expect(during["upload-progress-text"]).toContain(message("ui.sending", "zh"));
    // then the figures: updating, until the model run has finished
    const figures = page.locator("#figures-text");
    await expect
      .poll(() => figures.textContent(), { timeout: 120_000 })
      .toBe(message("ui.figures_updated", "zh"));
    expect((await seen(page))["figures-text"]).toContain(message("ui.figures_updating", "zh"));
    // the direct figures first: the line said so while the small-area figures were computed
    expect((await seen(page))["figures-text"]).toContain(message("ui.figures_direct_updated", "zh"));

    // no English in the report: only the file name, the id, column names, values and CSV/GBK,
    // with the progress and figures lines in it
    const report = (await page.locator("#report").textContent())!
      .replaceAll(FIRST, "")
      .replaceAll(uploadId, "")
      .replaceAll("village_code", "")
      .replaceAll("选项表 village 中", "")
      .replaceAll("T01V999", "");
    // column names (the rejects note names the personal ones and their hmac: marker), CSV, GBK
    const allowed = new Set([...respondents(true).header, "hmac", "CSV", "GBK"]);
    expect((report.match(/[A-Za-z]{3,}/g) ?? []).filter((w) => !allowed.has(w))).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1200);

    // the rejected rows, in GBK like the file, each with the reason in Chinese
    const href = await page.locator("#report-body a").getAttribute("href");
    const got = await page.evaluate(async (h) => {
      const res = await fetch(h!);
      return { type: res.headers.get("content-type"), bytes: [...new Uint8Array(await res.arrayBuffer())] };
    }, href);
    expect(got.type).toBe("text/csv; charset=gb18030");
    const bytes = Buffer.from(got.bytes);
    expect(bytes.toString("utf8")).toContain("\uFFFD"); // not UTF-8: GBK bytes
    const rejects = iconv.decode(bytes, "gb18030").trimEnd().split("\r\n");
    const { header, rows } = respondents(true);
    expect(rejects[0]).toBe(`${header.join(",")},${message("export.reason_column", "zh")}`);
    expect(rejects).toHaveLength(3);
    const byId = new Map(rejects.slice(1).map((r) => [r.split(",")[0], r]));
    // (the row is the row itself: the reason says column, value and why, each failed rule)
    expect(
      byId.get(rows[2]![0])!.endsWith(`; village_code = T01V999：${message("reject.unknown_psu", "zh")}`),
    ).toBe(true);
    expect(byId.get(rows[5]![0])).toMatch(/,age = 130：[^A-Za-z,]+$/);

    // the fixed file replaces that upload, chosen in the history, after saying what will change
    await page.screenshot({ path: join(dir, "upload-flow-report.png"), fullPage: true });
    const historyRow = page.locator("#history tr", { hasText: uploadId });
    await historyRow.locator("button.replace").click();
    expect(await page.locator("#replacing-text").textContent()).toContain(uploadId);
    await page.setInputFiles("#file", gbkFile(FIXED, false));
    await page.click("#send");
    await expect
      .poll(() => summary.textContent(), { timeout: 60_000 })
      .toContain("读取 8 行，通过 8 行，未通过 0 行");
    expect(dialogs).toEqual([
      message("ui.confirm_replace", "zh", { id: uploadId, old: FIRST, n: "6", file: FIXED }),
    ]);
    expect(await summary.textContent()).toContain(FIXED);
    await expect
      .poll(() => figures.textContent(), { timeout: 120_000 })
      .toBe(message("ui.figures_updated", "zh"));

    // the history: the first upload superseded, the fixed one loaded with its figures made
    await expect
      .poll(() => historyRow.locator("td").nth(3).textContent())
      .toBe(message("ui.status_superseded", "zh"));
    const fixedRow = page.locator("#history tr", { hasText: FIXED });
    // (the page asks for the history again once the figures are updated: no longer pending)
    await expect
      .poll(() => fixedRow.locator("td").nth(3).textContent())
      .toBe(message("ui.status_loaded", "zh"));
    // and the figures: all eight respondents (none of the first upload's twice) are weighted in
    const [n] = await db.query<{ staged: number; weighted: number }>(
      `select (select count(*) from stg_responses__${S} where respondent_id like '2026-7%')::int as staged,
         (select count(*) from int_responses_calibrated__${S} where respondent_id like '2026-7%')::int as weighted`,
    );
    expect(n).toEqual({ staged: 8, weighted: 8 });
    const overview = await page.evaluate(async () => (await fetch("/")).text());
    expect(overview).not.toContain(`class="notice updating"`);

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
