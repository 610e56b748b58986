import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { message } from "../../messages/catalogue.ts";
import { createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { listenOnLoopback } from "../helpers/listen.ts";

// Issue 17: the admin page (/admin) in Debian chromium against a real server on loopback:
// add a user (password shown once), create a token (shown once, then working against the API),
// revoke it (refused at once), disable a user (after the page's confirmation; sign-in refused),
// reset a password (shown once, works), in Chinese from the catalogue; CSRF enforced; only
// admins see the link and the page.
const ARTIFACTS = join(import.meta.dirname, "../artifacts");
const PASSWORD = "a-long-test-password";

let db: Database;
let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  db = await openDatabase(join(mkdtempSync(join(tmpdir(), "barometer-admin-page-")), "a.duckdb"));
  await createUser(db, "boss", "admin", PASSWORD);
  await createUser(db, "lead", "viewer", PASSWORD);
  ({ server, base } = await listenOnLoopback(createApp({ db, sessionSecret: randomBytes(32) })));
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (db) await closeDatabase(db);
});

async function signIn(user: string, password = PASSWORD): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(`${base}/signin`);
  await page.fill("input[name=user]", user);
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
  await page.waitForLoadState();
  return page;
}

const zh = (key: Parameters<typeof message>[0]) => message(key, "zh");
const api = (token: string) =>
  fetch(`${base}/api/v1/releases`, { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.status);

describe("admin page", () => {
  it("manages users and tokens in Chinese, with once-shown secrets and immediate revocation", async () => {
    const page = await signIn("boss");
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.click(`nav a:has-text("${zh("admin.nav")}")`);
    await page.waitForURL(`${base}/admin`);
    expect(await page.textContent("h1")).toBe(zh("admin.title"));

    // add a user: the password is shown once and works
    await page.fill("form.add-user input[name=user]", "wang");
    await page.selectOption("form.add-user select[name=role]", "analyst");
    await page.click("form.add-user button");
    const password = (await page.textContent("code.once-secret"))!;
    expect(password).toMatch(/^[\w-]{16}$/);
    await (await signIn("wang", password)).close();

    // a token for wang: shown once, works, listed, revoked from the page, refused at once
    await page.goto(`${base}/admin`);
    await page.fill('tr[data-user="wang"] input[name=label]', "报表脚本");
    await page.click(`tr[data-user="wang"] button:has-text("${zh("admin.create_token")}")`);
    const token = (await page.textContent("code.once-secret"))!;
    expect(token).toMatch(/^bmt_/);
    expect(await api(token)).toBe(200);
    await page.goto(`${base}/admin`);
    expect(await page.textContent("table.admin-tokens")).toContain("报表脚本");
    await page.click(`table.admin-tokens button:has-text("${zh("admin.revoke")}")`);
    expect(await page.textContent("p.notice")).toContain(zh("admin.revoke"));
    expect(await api(token)).toBe(401);

    // disable wang after the confirmation the page asks for; sign-in then fails
    await page.goto(`${base}/admin`);
    const asked: string[] = [];
    page.once("dialog", (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await page.click(`tr[data-user="wang"] button:has-text("${zh("admin.disable")}")`);
    await page.waitForSelector("p.notice");
    expect(asked).toEqual([message("admin.disable_confirm", "zh", { user: "wang" })]);
    const refused = await signIn("wang", password);
    expect(await refused.locator("p.error").count()).toBe(1);
    await refused.close();

    // enable and reset the password: the new one is shown once and works, the old one not
    await page.goto(`${base}/admin`);
    await page.click(`tr[data-user="wang"] button:has-text("${zh("admin.enable")}")`);
    await page.goto(`${base}/admin`);
    page.once("dialog", (d) => void d.accept());
    await page.click(`tr[data-user="wang"] button:has-text("${zh("admin.reset_password")}")`);
    const reset = (await page.textContent("code.once-secret"))!;
    expect(reset).not.toBe(password);
    const again = await signIn("wang", reset);
    expect(again.url()).toBe(`${base}/`);
    await again.close();

    await page.goto(`${base}/admin`);
    // every heading and button of the Chinese page comes from the catalogue: no English word
    // (API is the one Latin term the Chinese catalogue uses)
    const words = await page.locator("main h1, main h2, main th, main button, main label").allTextContents();
    expect(words.filter((w) => /[A-Za-z]{3,}/.test(w.replaceAll("API", "")))).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "admin-zh.png"), fullPage: true });
    expect(errors).toEqual([]);
    const audit = await db.query<{ action: string }>(
      "select action from audit_log where user_name = 'boss' and action <> 'sign_in' order by logged_at",
    );
    expect(audit.map((a) => a.action)).toEqual([
      "user.create",
      "token.create",
      "token.revoke",
      "user.disable",
      "user.enable",
      "user.password_reset",
    ]);
    await page.close();
  }, 120_000);

  it("refuses a form without the CSRF token, and non-admins", async () => {
    const page = await signIn("boss");
    const status = await page.evaluate(async () => {
      const res = await fetch("/admin/users/lead/disable", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "",
      });
      return res.status;
    });
    expect(status).toBe(403);
    const [lead] = await db.query<{ disabled: boolean }>(
      "select disabled from users where user_name = 'lead'",
    );
    expect(lead?.disabled).toBe(false);
    await page.close();
    const viewer = await signIn("lead");
    expect(await viewer.locator(`nav a:has-text("${zh("admin.nav")}")`).count()).toBe(0);
    const res = await viewer.goto(`${base}/admin`);
    expect(res?.status()).toBe(403);
    await viewer.close();
  }, 60_000);
});
