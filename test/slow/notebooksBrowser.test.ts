import { mkdirSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  findNotebook,
  loadNotebook,
  NOTEBOOKS_DIR,
  renderNotebook,
  standaloneHtml,
} from "../../notebooks/engine/index.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { type NotebookFixture, notebookFixture, SHIPPED } from "../notebooks/fixture.ts";

// Each shipped notebook in Debian's chromium, served by the notebooks route on loopback and
// as the CLI's self-contained file: every chart draws, and each of its marks (bars, points,
// rules, cells) has one item per row its query returned.
const ARTIFACTS = join(import.meta.dirname, "../artifacts");
let f: NotebookFixture;
let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  f = await notebookFixture();
  server = await new Promise<Server>((resolve) => {
    const s = f.app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await f?.close();
});

/** Per chart: its rows, and per mark type the items drawn (summed over facet cells). */
async function chartMarks(
  page: Page,
): Promise<{ query: string; rows: number; marks: Record<string, number> }[]> {
  const figures = page.locator("figure.nb-chart");
  const count = await figures.count();
  for (let i = 0; i < count; i++) {
    await expect.poll(() => figures.nth(i).getAttribute("data-rendered"), { timeout: 30_000 }).toBe("true");
  }
  return page.$$eval("figure.nb-chart", (all) =>
    all.map((figure) => {
      const marks: Record<string, number> = {};
      for (const group of Array.from(figure.querySelectorAll("g.role-mark"))) {
        const type = Array.from(group.classList).find((c) => c.startsWith("mark-")) ?? "mark-?";
        marks[type] = (marks[type] ?? 0) + group.children.length;
      }
      return {
        query: (figure as HTMLElement).dataset.query ?? "",
        rows: Number((figure as HTMLElement).dataset.rows),
        marks,
      };
    }),
  );
}

async function expectMarksMatchRows(page: Page, name: string): Promise<void> {
  const rendered = await renderNotebook(loadNotebook(findNotebook(NOTEBOOKS_DIR, name)!), {
    sandbox: f.sandbox,
  });
  const rowsOf = new Map<string, number>();
  for (const s of rendered.sections) if (s.kind === "chart") rowsOf.set(s.query, s.rows);
  const charts = await chartMarks(page);
  expect(charts.length).toBe(rowsOf.size);
  for (const chart of charts) {
    expect(chart.rows, chart.query).toBe(rowsOf.get(chart.query));
    const types = Object.entries(chart.marks);
    if (chart.rows > 0) expect(types.length, `${name}: ${chart.query} draws nothing`).toBeGreaterThan(0);
    for (const [type, items] of types) expect(items, `${name}: ${chart.query}: ${type}`).toBe(chart.rows);
  }
}

describe("notebooks in the browser", () => {
  for (const name of SHIPPED) {
    it(`${name}: the server page draws one mark per row, without console errors`, async () => {
      const context = await browser.newContext({
        extraHTTPHeaders: f.as("viewer"),
        viewport: { width: 1200, height: 900 },
      });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      await page.goto(`${base}/notebooks/${name}?lang=en`);
      await expectMarksMatchRows(page, name);
      await page.screenshot({ path: join(ARTIFACTS, `notebook-${name}.png`), fullPage: true });
      expect(problems).toEqual([]);
      await context.close();
    });

    it(`${name}: at 390 px in zh, the page is no wider than the phone; tables and charts scroll in their own box`, async () => {
      const context = await browser.newContext({
        extraHTTPHeaders: f.as("viewer"),
        viewport: { width: 390, height: 844 },
      });
      const page = await context.newPage();
      await page.goto(`${base}/notebooks/${name}?lang=zh`);
      await chartMarks(page);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      // every table's box ends inside the screen (what does not fit scrolls inside it)
      const rights = await page.$$eval(".nb-table-wrap, .nb-chart-view", (boxes) =>
        boxes.map((b) => Math.round(b.getBoundingClientRect().right)),
      );
      expect(rights.length).toBeGreaterThan(0);
      for (const right of rights) expect(right).toBeLessThanOrEqual(390);
      // what the charts draw (titles, axes, legends) is Chinese: letters only in item ids (ap_un_close) and CV
      const drawn = await page.$$eval("figure.nb-chart svg text", (texts) =>
        texts.map((t) => t.textContent ?? ""),
      );
      const words = drawn.flatMap((t) => [...t.matchAll(/[A-Za-z][A-Za-z0-9_]*/g)].map((m) => m[0]));
      expect(words.filter((w) => w !== "CV" && !/^[a-z]+(_[a-z0-9]+)+$/.test(w))).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, `notebook-${name}-390-zh.png`), fullPage: true });
      await context.close();
    });

    it(`${name}: the self-contained file draws the same offline`, async () => {
      const rendered = await renderNotebook(loadNotebook(findNotebook(NOTEBOOKS_DIR, name)!), {
        sandbox: f.sandbox,
      });
      const file = join(f.dir, `${name}.html`);
      writeFileSync(file, standaloneHtml(rendered, "zh", { renderedAt: "test", snapshot: "test" }));
      const context = await browser.newContext({ offline: true });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("requestfailed", (r) => problems.push(`request: ${r.url()}`));
      await page.goto(`file://${file}`);
      await expectMarksMatchRows(page, name);
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});
