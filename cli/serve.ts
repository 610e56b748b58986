import type { Server } from "node:http";
import { Command } from "commander";
import {
  type Database,
  loadSecret,
  removeLocalAdminToken,
  removeServerLock,
  writeLocalAdminToken,
  writeServerLock,
} from "../db/index.ts";
import { registerStudy } from "../ingest/index.ts";
import { modelEvents, type RunResult } from "../models/index.ts";
import { Analytics } from "../server/analytics.ts";
import { createApp } from "../server/index.ts";
import { recoverModelRuns } from "../server/recoverModelRuns.ts";
import { Writer } from "../server/writer.ts";
import { CliError } from "./CliError.ts";
import { hmacKeyOf, openForWrite, resolveStudy } from "./context.ts";
import { log } from "./log.ts";

/**
 * Start the analytics sandbox, listen, note the server beside the database file (the
 * one-writer rule), refresh the analytics snapshot after every model run, clean up on exit.
 */
export async function serve(db: Database, host: string, port: number): Promise<Server> {
  // refuse to start with an HMAC key that is not the one the database was written with
  await hmacKeyOf(db);
  const analytics = new Analytics(db);
  // listen at once: a missing or old snapshot is written while the server serves (SQL answers
  // 503 "rebuilding" until a snapshot is there)
  void analytics.start().catch((error: Error) => log(`analytics snapshot at start: ${error.message}`));
  // one snapshot per upload: after the direct figures the rest follows within seconds, and a
  // snapshot written meanwhile (seconds of work) would only slow it down
  // (a failed second step still brings the first step's direct figures to the analysts)
  const refresh = () =>
    analytics.refresh().catch((error: Error) => log(`analytics snapshot refresh failed: ${error.message}`));
  modelEvents.on("finished", (run: RunResult) => {
    if (run.scope !== "direct") refresh();
  });
  modelEvents.on("failed", (run: RunResult) => {
    if (run.scope === "later") refresh();
  });
  const writer = new Writer();
  const app = createApp({
    db,
    analytics,
    writer,
    sessionSecret: loadSecret(db.path, "session"),
    secureCookies: process.env.BAROMETER_SECURE_COOKIES === "1",
    localAdminToken: writeLocalAdminToken(db.path),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, () => resolve(s));
    s.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          error.code === "EADDRINUSE"
            ? `port ${port} on ${host} is in use; choose another with --port`
            : error.message,
        ),
      ),
    );
  });
  const address = server.address();
  const url = `http://${host}:${typeof address === "object" && address ? address.port : port}`;
  writeServerLock(db.path, { pid: process.pid, url, startedAt: new Date().toISOString() });
  const stop = () => {
    removeServerLock(db.path);
    removeLocalAdminToken(db.path);
    void analytics.stop();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  process.once("exit", () => {
    removeServerLock(db.path);
    removeLocalAdminToken(db.path);
  });
  // uploads whose model run a crash interrupted reach the figures now, while the server serves
  void recoverModelRuns(db, writer, log).catch((error: Error) =>
    log(`recovery at start failed: ${error.message}`),
  );
  log(`Barometer is serving ${db.path}`);
  log(`Open ${url}/  (English: ${url}/?lang=en)`);
  return server;
}

export function serveCommand(): Command {
  return new Command("serve")
    .description("serve the dashboards and API (binds 127.0.0.1 unless --host says otherwise)")
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--port <port>", "port", "8080")
    .option(
      "--study <folder>",
      "register a study folder before serving (repeatable), so its first upload can go through /upload",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (opts, command: Command) => {
      const db = await openForWrite(command.optsWithGlobals());
      for (const folder of opts.study as string[]) {
        const study = await resolveStudy(folder, db);
        await db.withSession((session) => registerStudy(session, study));
        log(`study ${study.id} registered from ${study.dir}`);
      }
      await serve(db, opts.host, Number(opts.port));
      await new Promise(() => {});
    });
}
