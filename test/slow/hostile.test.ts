import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_STUDY_DIR } from "../../cli/context.ts";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestStudyResponses } from "../../ingest/index.ts";
import { createRelease, runModels } from "../../models/index.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { launchBrowser } from "../helpers/browser.ts";

// Names and labels written in malice show as text everywhere; secrets never reach the logs.
const SCRIPT = "<script>window.__pwned = 1</script>竹和街道";
const IMG = '<img src=x onerror="window.__pwned=1">Zhuhe';
const ORG = '<b onmouseover="window.__pwned=1">工会</b>';

let dir: string;
let db: Database;
let study: Study;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-hostile-"));
  const folder = join(dir, "study");
  cpSync(DEMO_STUDY_DIR, folder, { recursive: true });
  const frame = join(folder, "frame/psus.csv");
  writeFileSync(
    frame,
    readFileSync(frame, "utf8").replaceAll(
      "竹和街道,Zhuhe Subdistrict",
      `"${SCRIPT.replaceAll('"', '""')}","${IMG.replaceAll('"', '""')}"`,
    ),
  );
  const yaml = join(folder, "study.yaml");
  writeFileSync(
    yaml,
    readFileSync(yaml, "utf8").replace(
      "name: { zh: 工会, en: Trade union }",
      `name: { zh: '${ORG}', en: '=HYPERLINK("http://evil")' }`,
    ),
  );
  study = await loadStudy(folder);
  db = await openDatabase(join(dir, "hostile.duckdb"));
  await ingestStudyResponses(db, study, { user: "t", hmacKey: Buffer.from("k") });
  await runModels(db, study);
  await createRelease(db, study, "2026", "t");
  await createUser(db, "viewer", "viewer", "a-long-test-password");
  token = await createToken(db, "viewer", "t");
}, 300_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

describe("hostile labels and names", () => {
  it("pages escape them: no markup from data reaches the HTML", async () => {
    const app = createApp({ db, sessionSecret: randomBytes(32) });
    for (const path of [
      "/?lang=zh",
      "/?lang=en",
      "/units/T01?lang=zh",
      "/units/T01?lang=en",
      "/methodology",
    ]) {
      const res = await request(app).get(path).set("Authorization", `Bearer ${token}`);
      expect(res.status, path).toBe(200);
      expect(res.text, path).not.toContain("<script>window.__pwned");
      expect(res.text, path).not.toContain("<img src=x");
      expect(res.text, path).not.toContain("<b onmouseover");
    }
  });

  it("the browser shows them as text and runs none of them", async () => {
    const server = await new Promise<import("node:http").Server>((resolve) => {
      const s = createApp({ db, sessionSecret: randomBytes(32) }).listen(0, "127.0.0.1", () => resolve(s));
    });
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const context = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${token}` } });
      const page = await context.newPage();
      for (const path of ["/?lang=zh", "/units/T01?lang=en"]) {
        await page.goto(`${base}${path}`);
        await page.waitForSelector("[data-rendered='true']", { timeout: 20_000 });
        await page.mouse.move(300, 300);
        expect(
          await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
        ).toBeUndefined();
      }
      await page.goto(`${base}/?lang=zh`);
      expect(await page.locator("body").textContent()).toContain(ORG);
    } finally {
      await browser?.close();
      await new Promise((r) => server.close(r));
    }
  });

  it("exports keep them as text and escape formula-looking cells", async () => {
    const app = createApp({ db, sessionSecret: randomBytes(32) });
    const csv = await request(app)
      .get("/api/v1/releases/mass_org_evaluation-2026-r1/scores?format=csv&organization=union&level=district")
      .set("Authorization", `Bearer ${token}`);
    expect(csv.text).toContain(`'=HYPERLINK(""http://evil"")`);
    expect(csv.text).not.toMatch(/,=HYPERLINK/);
  });
});

describe("secrets in logs", () => {
  it("a served session with sign-in, tokens and an upload logs no password, token, cookie or key", async () => {
    const password = `pw-${randomBytes(9).toString("hex")}`;
    await createUser(db, "secret-holder", "admin", password);
    const adminToken = await createToken(db, "secret-holder", "t");
    await closeDatabase(db);
    const bin = join(import.meta.dirname, "../../bin/barometer.js");
    const child = spawn(
      process.execPath,
      [bin, "--db", join(dir, "hostile.duckdb"), "serve", "--port", "0"],
      {
        env: {
          ...process.env,
          BAROMETER_HMAC_KEY: "hmac-key-that-must-not-leak",
          BAROMETER_SESSION_SECRET: "session-secret-that-must-not-leak",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let log = "";
    let sessionCookie = "";
    child.stdout.on("data", (c: Buffer) => (log += c.toString()));
    child.stderr.on("data", (c: Buffer) => (log += c.toString()));
    try {
      // the port the system gave: the server says where it listens
      const deadline = Date.now() + 120_000;
      while (!/Open (http:\/\/[^/\s]+)\//.test(log)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const base = /Open (http:\/\/[^/\s]+)\//.exec(log)![1]!;
      const signin = await fetch(`${base}/signin`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
        body: `user=secret-holder&password=${password}&next=/`,
      });
      const cookie = signin.headers.get("set-cookie")?.split(";")[0] ?? "";
      expect(cookie).toContain("barometer_session=");
      sessionCookie = cookie.split("=")[1]!;
      await fetch(`${base}/signin`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `user=secret-holder&password=${password}x`,
      });
      await fetch(`${base}/`, { headers: { cookie } });
      await fetch(`${base}/api/v1/studies`, { headers: { authorization: `Bearer ${adminToken}` } });
      await fetch(`${base}/api/v1/sql`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ sql: "select nope" }),
      });
      const form = new FormData();
      form.set("study", study.id);
      form.set("wave", "2026");
      form.set("file", new Blob(["resp_id\n1\n"]), "bad.csv");
      await fetch(`${base}/api/v1/uploads`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminToken}` },
        body: form,
      });
      await fetch(`${base}/api/v1/nope`, { headers: { authorization: "Bearer bmt_wrong-token-value" } });
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.on("exit", r));
    }
    for (const secret of [
      password,
      adminToken,
      token,
      "hmac-key-that-must-not-leak",
      "session-secret-that-must-not-leak",
      "bmt_wrong-token-value",
      sessionCookie,
    ]) {
      expect(log, "a secret in the log").not.toContain(secret);
    }
    expect(log).toContain("Open http://127.0.0.1");
    db = await openDatabase(join(dir, "hostile.duckdb"));
  });
});
