import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { type Lang, message } from "../../messages/catalogue.ts";
import { HttpError } from "../HttpError.ts";

/** Debian's chromium unless BAROMETER_CHROMIUM names another build. */
export const chromiumPath = () => process.env.BAROMETER_CHROMIUM ?? "/usr/bin/chromium";

export interface PdfRequest {
  /** A report page of this app (server/routes/report.ts), on loopback. */
  url: string;
  /** The asker's credentials (cookie or Authorization), so the page is read with their role. */
  headers: Record<string, string>;
  /** Chromium's footer template (reportFooter). */
  footer: string;
  /** How long the page may take to load and draw its charts (default 120 s). */
  timeoutMs?: number;
  /** The language of errors. */
  lang?: Lang;
}

let queue: Promise<unknown> = Promise.resolve();

/** One Chromium kept between renders, closed after a quiet while (or by closePdfBrowser). */
let shared: { browser: Promise<Browser>; timer?: NodeJS.Timeout } | undefined;
const IDLE_MS = 30_000;

function browserFor(lang: Lang): Promise<Browser> {
  if (shared) {
    clearTimeout(shared.timer);
    return shared.browser;
  }
  const path = chromiumPath();
  if (!existsSync(path))
    throw new HttpError(503, "no_chromium", message("report.no_chromium", lang, { path }));
  const browser = chromium.launch({
    executablePath: path,
    headless: true,
    // Chromium's sandbox refuses to start as root (containers, CI)
    args: [
      ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--font-render-hinting=none",
    ],
  });
  shared = { browser };
  browser.then(
    (b) => b.on("disconnected", () => (shared = undefined)),
    () => (shared = undefined),
  );
  return browser;
}

/** Close the kept Chromium now (a command that printed its report and ends). */
export async function closePdfBrowser(): Promise<void> {
  const kept = shared;
  shared = undefined;
  if (!kept) return;
  clearTimeout(kept.timer);
  await (await kept.browser.catch(() => undefined))?.close();
}

/**
 * Print a report page to an A4 PDF with the browser engine that renders the app, so the charts
 * are the pages' own Vega-Lite specs. Renders run one at a time per process (a Chromium uses
 * hundreds of megabytes); the page's charts must all have drawn, or the render fails with the
 * chart's error.
 */
export function renderPdf(request: PdfRequest): Promise<Buffer> {
  const run = queue.then(() => render(request));
  queue = run.catch(() => undefined);
  return run;
}

async function render({
  url,
  headers,
  footer,
  timeoutMs = 120_000,
  lang = "zh",
}: PdfRequest): Promise<Buffer> {
  const browser = await browserFor(lang);
  const context = await browser.newContext({ extraHTTPHeaders: headers });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(timeoutMs);
    const response = await page.goto(url, { waitUntil: "load" });
    if (!response?.ok()) throw new Error(`report page ${url}: HTTP ${response?.status()}`);
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLElement>("[data-spec-id]")).every((e) => e.dataset.rendered),
    );
    const failed = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>("[data-rendered=error]")).map(
        (e) => `${e.id}: ${e.textContent}`,
      ),
    );
    if (failed.length) throw new Error(`report charts failed: ${failed.join("; ")}`);
    await page.evaluate(() => document.fonts.ready.then(() => true));
    return await page.pdf({
      format: "A4",
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: "<span></span>",
      footerTemplate: footer,
      margin: { top: "16mm", bottom: "18mm", left: "16mm", right: "16mm" },
    });
  } finally {
    await context.close().catch(() => undefined);
    if (shared) {
      const kept = shared;
      kept.timer = setTimeout(() => {
        if (shared === kept) void closePdfBrowser();
      }, IDLE_MS);
      kept.timer.unref();
    }
  }
}
