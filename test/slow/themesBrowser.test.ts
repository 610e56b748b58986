import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_STUDY_DIR } from "../../cli/context.ts";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestStudyResponses } from "../../ingest/index.ts";
import { message } from "../../messages/catalogue.ts";
import { runModels } from "../../models/index.ts";
import { parseNotebook } from "../../notebooks/engine/parseNotebook.ts";
import { createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { loadStudy } from "../../study/index.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { listenOnLoopback } from "../helpers/listen.ts";

// The theme pages in Debian's chromium, on a real server over a copy of the demo study (the
// codebook editor writes the study's codebook file, so the committed one is never touched).
// Row counts come from the marts; the edit is checked in the file, its history and the marts.
const ARTIFACTS = join(import.meta.dirname, "../artifacts");
const PASSWORD = "a-long-test-password";
const SCORES = "theme_scores__mass_org_evaluation";

let db: Database;
let server: Server;
let base: string;
let browser: Browser;
let studyDir: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "barometer-themes-"));
  studyDir = join(dir, "study");
  cpSync(DEMO_STUDY_DIR, studyDir, { recursive: true });
  db = await openDatabase(join(dir, "demo.duckdb"));
  const study = await loadStudy(studyDir);
  await ingestStudyResponses(db, study, { user: "test", hmacKey: Buffer.from("test-key") });
  await runModels(db, study);
  await createUser(db, "analyst", "analyst", PASSWORD);
  ({ server, base } = await listenOnLoopback(createApp({ db, sessionSecret: randomBytes(32) })));
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 1_200_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (db) await closeDatabase(db);
}, 120_000);

async function signedIn(path: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${base}${path}`);
  await page.fill("input[name=user]", "analyst");
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}${path}`);
  return { page, problems };
}

describe("theme pages", () => {
  it("lists every question's theme shares for the latest wave, in Chinese", async () => {
    const { page, problems } = await signedIn("/themes");
    const [{ n }] = (await db.query<{ n: number }>(
      `select count(*)::integer as n from ${SCORES} where wave_id = '2026' and unit_level = 'district' and group_var = ''`,
    )) as [{ n: number }];
    expect(await page.locator("table.theme-shares tbody tr").count()).toBe(n);
    expect(await page.locator("section.themes h2").allTextContents()).toEqual(["工会", "共青团", "妇联"]);
    await expect.poll(() => page.locator("body").textContent()).toContain(message("themes.blank", "zh"));
    await page.screenshot({ path: join(ARTIFACTS, "themes-zh.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows one theme with masked example answers and its townships, in English", async () => {
    const { page, problems } = await signedIn("/themes/op_wf/childcare?lang=en");
    const examples = await page.locator("ul.examples li").allTextContents();
    const [{ n }] = (await db.query<{ n: number }>(
      "select count(*)::integer as n from theme_examples__mass_org_evaluation where wave_id = '2026' and item = 'op_wf' and theme_id = 'childcare'",
    )) as [{ n: number }];
    expect(examples.length).toBe(n);
    expect(n).toBe(5);
    for (const e of examples) expect(e).not.toMatch(/\d{7}/);
    const [{ towns }] = (await db.query<{ towns: number }>(
      `select count(*)::integer as towns from ${SCORES}
       where wave_id = '2026' and item = 'op_wf' and theme_id = 'childcare' and unit_level = 'township' and group_var = '' and not is_withheld`,
    )) as [{ towns: number }];
    expect(await page.locator("table.theme-shares").nth(1).locator("tbody tr").count()).toBe(towns);
    await page.screenshot({ path: join(ARTIFACTS, "theme-childcare-en.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("runs a notebook themes block: the largest shares and the blank and uncoded ones", async () => {
    const block = parseNotebook(
      "t",
      '---\ntitle: { zh: 主题, en: Themes }\nstudy: mass_org_evaluation\nparams:\n  wave: { type: string, default: "2026" }\n---\n\n```themes name=top\nstudy: mass_org_evaluation\nitem: op_wf\nwave: $wave\ntop: 3\n```\n',
    ).blocks.find((b) => b.kind === "sql") as { sql: string };
    const rows = await db.query<{ theme_id: string }>(block.sql, { wave: "2026" });
    expect(
      rows
        .map((r) => r.theme_id)
        .slice(3)
        .sort(),
    ).toEqual(["_blank", "_uncoded"]);
    const top = await db.query<{ theme_id: string }>(
      `select theme_id from ${SCORES} where wave_id = '2026' and item = 'op_wf' and unit_level = 'district' and group_var = ''
       and theme_id not like '\\_%' escape '\\' order by estimate_0_100 desc nulls last, theme_id limit 3`,
    );
    expect(rows.slice(0, 3).map((r) => r.theme_id)).toEqual(top.map((r) => r.theme_id));
  });

  it("saves an edited codebook as a new version, keeps the old one, and recomputes the shares", async () => {
    const share = async () =>
      (
        await db.query<{ e: number }>(
          `select estimate_0_100 as e from ${SCORES}
           where wave_id = '2026' and item = 'op_un' and theme_id = 'publicity' and unit_level = 'district' and group_var = ''`,
        )
      )[0]!.e;
    const before = await share();
    const { page, problems } = await signedIn("/themes/codebook");
    // publicity keeps only 宣传: answers about notices and official accounts drop out of it
    await page.fill("textarea[name='keywords.publicity']", "宣传");
    // the save reruns the study's models; a refused save (403, 409) fails here at once
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST", { timeout: 300_000 }),
      // the click waits for the navigation, which waits for the model run: not 30 s under load
      page.click("form.codebook button[type=submit]", { timeout: 300_000 }),
    ]);
    expect(response.status()).toBe(303);
    await page.waitForURL(/saved=2/, { timeout: 120_000 });
    expect(await page.locator("p.notice").textContent()).toBe(message("themes.saved", "zh", { version: 2 }));
    const file = join(studyDir, "themes/codebook.yaml");
    expect(readFileSync(file, "utf8")).toMatch(/^version: 2$/m);
    expect(existsSync(join(studyDir, "themes/history/codebook.v1.yaml"))).toBe(true);
    const versions = await db.query<{ v: number }>(
      "select distinct codebook_version as v from int_open_answers_coded__mass_org_evaluation",
    );
    expect(versions).toEqual([{ v: 2 }]);
    expect(await share()).toBeLessThan(before);
    expect(problems).toEqual([]);
    await page.close();
  }, 400_000);
});
