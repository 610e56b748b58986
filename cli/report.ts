import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { Command } from "commander";
import { closeDatabase, readLocalAdminToken, readServerLock } from "../db/index.ts";
import { CliError } from "./CliError.ts";
import { databasePath, openForWrite } from "./context.ts";
import { log } from "./log.ts";

/**
 * `barometer report`: a release as an A4 PDF (the district bulletin, one township, or every
 * township), printed by Chromium from the app's own report page. Through the running server
 * when one holds the database, else from a server of its own on loopback for the one request.
 */
export function reportCommand(): Command {
  return new Command("report")
    .description("print a release as an A4 PDF bulletin (公报): the district, one township, or all townships")
    .requiredOption("--release <id>", "release id (barometer release list)")
    .requiredOption("-o, --output <file>", "the PDF file to write")
    .option("--township <code|all>", "one township's report, or all townships in one PDF")
    .option("--lang <zh|en>", "language", "zh")
    .action(async (opts, command: Command) => {
      const started = performance.now();
      const query = new URLSearchParams();
      if (opts.lang === "en") query.set("lang", "en");
      else if (opts.lang !== "zh") throw new CliError(`--lang must be zh or en, not ${opts.lang}`);
      if (opts.township) query.set("township", opts.township);
      const path = `/releases/${encodeURIComponent(opts.release)}/report.pdf?${query}`;
      const dbPath = databasePath(command.optsWithGlobals());
      const server = readServerLock(dbPath);
      const pdf = server
        ? await fetchPdf(
            server.url,
            path,
            process.env.BAROMETER_TOKEN || readLocalAdminToken(dbPath),
            server.url,
          )
        : await withOwnServer(command.optsWithGlobals(), (url, token) => fetchPdf(url, path, token, dbPath));
      writeFileSync(opts.output, pdf);
      log(
        `wrote ${opts.output} (${(pdf.length / 1024).toFixed(0)} KB) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    });
}

async function fetchPdf(
  base: string,
  path: string,
  token: string | undefined,
  where: string,
): Promise<Buffer> {
  if (!token)
    throw new CliError(
      `barometer serve holds the database (${where}): set BAROMETER_TOKEN to an API token that may read releases`,
    );
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    throw new CliError(`cannot reach ${base}: ${(error as Error).message}`);
  }
  if (!res.ok) {
    const answer = (await res.json().catch(() => ({}))) as { error?: { message: string } };
    throw new CliError(`the report failed: ${answer.error?.message ?? `HTTP ${res.status}`}`);
  }
  return Buffer.from(await res.arrayBuffer());
}

/** Serve the database on a loopback port of its own, for one request with a one-time token. */
async function withOwnServer<T>(
  options: { db?: string },
  use: (url: string, token: string) => Promise<T>,
): Promise<T> {
  const db = await openForWrite(options);
  const { createApp } = await import("../server/index.ts");
  const token = randomBytes(24).toString("base64url");
  const app = createApp({ db, sessionSecret: randomBytes(32), localAdminToken: token });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
  try {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    return await use(`http://127.0.0.1:${port}`, token);
  } finally {
    const { closePdfBrowser } = await import("../server/report/renderPdf.ts");
    await closePdfBrowser();
    await new Promise((resolve) => server.close(resolve));
    server.closeAllConnections?.();
    await closeDatabase(db);
  }
}
