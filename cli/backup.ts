import { resolve } from "node:path";
import { Command } from "commander";
import { backupDatabase, openDatabase, readServerLock, restoreDatabase } from "../db/index.ts";
import { CliError } from "./CliError.ts";
import { databasePath } from "./context.ts";
import { log } from "./log.ts";

/**
 * backup: a consistent copy of the database and its releases. When `barometer serve` holds
 * the file, the server makes the copy (POST /api/v1/admin/backup with an admin token in
 * BAROMETER_TOKEN) under <database>.backups/; otherwise the CLI makes it where -o says.
 */
export function backupCommand(): Command {
  return new Command("backup")
    .description("write a consistent copy of the database and its releases (also while the server runs)")
    .option("-o, --out <folder>", "where to write it (default: <database>.backups/<time>)")
    .action(async (opts, command: Command) => {
      const path = databasePath(command.optsWithGlobals());
      const server = readServerLock(path);
      if (server) {
        const token = process.env.BAROMETER_TOKEN;
        if (!token)
          throw new CliError(
            `barometer serve (${server.url}) holds ${path}: set BAROMETER_TOKEN to an admin's API token and the server makes the backup`,
          );
        const res = await fetch(`${server.url}/api/v1/admin/backup`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
        });
        const body = (await res.json()) as { folder?: string; error?: { message: string } };
        if (!res.ok)
          throw new CliError(`the server could not make the backup: ${body.error?.message ?? res.status}`);
        process.stdout.write(`${JSON.stringify(body)}\n`);
        log(`backup written by the server to ${body.folder}`);
        return;
      }
      const folder = resolve(opts.out ?? `${path}.backups/${new Date().toISOString().replace(/[:.]/g, "-")}`);
      const db = await openDatabase(path);
      const manifest = await backupDatabase(db, folder);
      process.stdout.write(`${JSON.stringify({ folder, ...manifest })}\n`);
      log(`backup written to ${folder} (${manifest.files.length} files)`);
    });
}

export function restoreCommand(): Command {
  return new Command("restore")
    .description("restore a backup into a new database file (given by --db)")
    .argument("<backup>", "the backup folder")
    .action(async (backup: string, _opts, command: Command) => {
      const target = databasePath(command.optsWithGlobals());
      try {
        const manifest = restoreDatabase(resolve(backup), target);
        log(`restored the backup of ${manifest.created_at} into ${target}`);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      // open once to check the file and apply any newer migrations
      await openDatabase(target);
    });
}
