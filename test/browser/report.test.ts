import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { createRelease, type ReleaseFile, readRelease } from "../../models/index.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { closePdfBrowser } from "../../server/report/renderPdf.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";
import { listenOnLoopback } from "../helpers/listen.ts";

// The printed bulletin: a real server on loopback over the demo database with two releases,
// Chromium printing the report page, poppler reading the PDF back (as a reader's viewer would).
const ROOT = resolve(import.meta.dirname, "../..");

function needPoppler(): void {
  if (spawnSync("pdftotext", ["-v"], { stdio: "ignore" }).status !== 0)
    throw new Error("the report tests read PDFs with poppler: sudo apt-get install poppler-utils");
}

const pdfText = (file: string, page?: number) =>
  execFileSync(
    "pdftotext",
    [...(page ? ["-f", String(page), "-l", String(page)] : []), "-layout", file, "-"],
    {
      encoding: "utf8",
    },
  );
const pdfPages = (file: string) =>
  Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [file], { encoding: "utf8" }))![1]);

let db: Database;
let server: Server;
let base: string;
let token: string;
let dir: string;
let current: ReleaseFile;
let districtPdf: string;
let previous: ReleaseFile;
const work = mkdtempSync(join(tmpdir(), "barometer-report-"));

beforeAll(async () => {
  needPoppler();
  let study: Awaited<ReturnType<typeof demoDatabase>>["study"];
  ({ db, study, dir } = await demoDatabase());
  const r2025 = await createRelease(db, study, "2025", "test");
  const r2026 = await createRelease(db, study, "2026", "test");
  previous = (await readRelease(db, r2025.release_id)).file;
  current = (await readRelease(db, r2026.release_id)).file;
  await createUser(db, "leader", "viewer", "a-long-test-password");
  token = await createToken(db, "leader", "report test");
  ({ server, base } = await listenOnLoopback(createApp({ db, sessionSecret: randomBytes(32) })));
}, 300_000);

afterAll(async () => {
  await closePdfBrowser();
  await new Promise((resolve) => server?.close(resolve));
  if (db) await closeDatabase(db);
});

async function fetchPdf(query: string, name: string): Promise<string> {
  const res = await fetch(`${base}/releases/${current.release_id}/report.pdf${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(
    res.status,
    await res
      .clone()
      .text()
      .catch(() => ""),
  ).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/pdf");
  const file = join(work, name);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

/** The release's rows as objects. */
const rowsOf = (file: ReleaseFile) =>
  file.rows.map(
    (row) => Object.fromEntries(file.columns.map((c, i) => [c, row[i]])) as Record<string, unknown>,
  );
const f1 = (v: unknown) => (v as number).toFixed(1);
const signed = (v: number) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(1)}`;
const numbersIn = (text: string) =>
  (text.match(/[+−-]?\d+\.\d/g) ?? []).map((s) => s.replace("-", "−")).sort();

describe("barometer report: the release as an A4 PDF", () => {
  it("prints the district bulletin: every number on the summary page is the release's, fonts embedded, footer with the release", async () => {
    const file = await fetchPdf("", "district.pdf");
    districtPdf = file;
    const orgs = new Set(rowsOf(current).map((r) => r.organization_id));
    // summary (with the method note), then per organization a ranking page and a chart page, then the breakdowns
    expect(pdfPages(file)).toBe(1 + 2 * orgs.size + 1);
    const fonts = execFileSync("pdffonts", [file], { encoding: "utf8" }).trim().split("\n").slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    for (const line of fonts) expect(line.split(/\s+/).at(-5), line).toBe("yes"); // the "emb" column

    const page1 = pdfText(file, 1);
    const table = page1.slice(page1.indexOf("一、总体情况"), page1.indexOf("附注"));
    expect(table.length).toBeGreaterThan(100);
    // expected: each district headline figure's estimate, interval and change (recomputed here
    // from the two release files, the change as a plain difference)
    const before = new Map(
      rowsOf(previous)
        .filter((r) => r.unit_level === "district" && r.group_var === "" && r.aspect === "")
        .map((r) => [`${r.organization_id}|${r.index_id}|${r.org_level}`, r]),
    );
    const expected: string[] = [];
    for (const r of rowsOf(current)) {
      if (r.unit_level !== "district" || r.group_var !== "" || r.aspect !== "" || r.org_level !== "township")
        continue;
      if (r.is_withheld) continue;
      expected.push(f1(r.estimate_0_100), f1(r.ci_low_0_100), f1(r.ci_high_0_100));
      const p = before.get(`${r.organization_id}|${r.index_id}|${r.org_level}`);
      if (p && !p.is_withheld)
        expected.push(signed((r.estimate_0_100 as number) - (p.estimate_0_100 as number)));
    }
    expect(expected.length).toBeGreaterThan(30);
    expect(numbersIn(table)).toEqual(expected.sort());
    // the footer on every page: release id, checksum, page x of y
    const all = pdfText(file);
    const record = await db.query<{ sha256: string }>("select sha256 from releases where release_id = $1", [
      current.release_id,
    ]);
    expect(
      all
        .split("\f")
        .filter((p) => p.trim())
        .every((p) => p.includes(record[0]!.sha256)),
    ).toBe(true);
    expect(page1).toMatch(/第 1 页 \/ 共 \d+ 页/);
  });

  it("gives the same text for the same release (two renders)", async () => {
    const again = await fetchPdf("", "again.pdf");
    expect(pdfText(again)).toBe(pdfText(districtPdf));
  });

  it("prints one page per township, each with its own figures and rank, and in English on request", async () => {
    const townships = [
      ...new Set(
        rowsOf(current)
          .filter((r) => r.unit_level === "township")
          .map((r) => r.unit_code as string),
      ),
    ];
    const file = await fetchPdf("?township=all", "townships.pdf");
    expect(pdfPages(file)).toBe(townships.length);
    const one = await fetchPdf("?township=T01&lang=en", "t01.pdf");
    expect(pdfPages(one)).toBe(1);
    const text = pdfText(one);
    const composite = rowsOf(current).find(
      (r) =>
        r.unit_code === "T01" &&
        r.index_id === "composite" &&
        r.organization_id === "union" &&
        r.group_var === "" &&
        r.org_level === "township",
    )!;
    expect(text).toContain(composite.unit_name_en as string);
    expect(text).toContain(`${f1(composite.ci_low_0_100)}–${f1(composite.ci_high_0_100)}`);
    if (composite.rank !== null) expect(text).toContain(`Rank ${composite.rank}/`);
    expect(text).toMatch(/page 1 of 1/);
    const missing = await fetch(`${base}/releases/${current.release_id}/report.pdf?township=NOPE`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain("NOPE");
  });

  it("needs a role that may read releases, and lists releases with their reports", async () => {
    const anonymous = await fetch(`${base}/releases/${current.release_id}/report.pdf`, {
      redirect: "manual",
    });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toMatch(/^\/signin\?next=/);
    const page = await fetch(`${base}/releases`, { headers: { authorization: `Bearer ${token}` } });
    const html = await page.text();
    expect(html).toContain(`/releases/${current.release_id}/report.pdf`);
    expect(html).toContain("下载公报（PDF）");
    // the overview and a township's page link their wave's report
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const overview = await (await fetch(`${base}/`, auth)).text();
    expect(overview).toContain(`href="/releases/${current.release_id}/report.pdf"`);
    // the overview's rank table: each ranked township's rank and intervals, as released
    const released = rowsOf(current).filter(
      (r) =>
        r.unit_level === "township" &&
        r.index_id === "composite" &&
        r.org_level === "township" &&
        r.group_var === "" &&
        r.aspect === "" &&
        r.rank !== null,
    );
    expect(released.length).toBeGreaterThan(20);
    for (const r of released) {
      const row = new RegExp(
        `<tr data-unit="${r.unit_code}" data-org="${r.organization_id}">.*?<td class="num rank">${r.rank}/\\d+</td><td class="rank-interval">${r.rank_low}–${r.rank_high}</td><td>${r.rank_low_simultaneous}–${r.rank_high_simultaneous}</td>`,
      );
      expect(overview, `${r.unit_code} ${r.organization_id}`).toMatch(row);
    }
    const unit = await (await fetch(`${base}/units/T01?lang=en`, auth)).text();
    expect(unit).toContain(`href="/releases/${current.release_id}/report.pdf?township=T01&amp;lang=en"`);
  });
});

describe("barometer report on the command line", () => {
  it("writes the district PDF from the database file", async () => {
    await new Promise((resolve) => server.close(resolve));
    await closeDatabase(db);
    db = undefined as unknown as Database;
    const out = join(work, "cli.pdf");
    const result = spawnSync(
      process.execPath,
      [
        join(ROOT, "bin/barometer.js"),
        "--db",
        join(dir, "demo.duckdb"),
        "report",
        "--release",
        current.release_id,
        "-o",
        out,
      ],
      { encoding: "utf8" },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdfText(out, 1)).toContain(current.release_id);
  });
});
