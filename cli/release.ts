import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { readServerLock } from "../db/index.ts";
import { createRelease, listReleases, type ReleaseRecord, readRelease } from "../models/index.ts";
import { databasePath, openForWrite, resolveStudy } from "./context.ts";
import { log } from "./log.ts";
import { askServer } from "./serverClient.ts";

export function releaseCommand(): Command {
  const release = new Command("release")
    .description("freeze a wave's reported figures as an immutable release (for the annual assessment)")
    .option("--study <id|folder>", "study id, or the study folder")
    .option("--wave <id>", "wave id")
    .option("--user <name>", "who releases (recorded)", process.env.USER ?? "cli")
    .action(async (opts, command: Command) => {
      if (!opts.study || !opts.wave) {
        command.help({ error: true });
        return;
      }
      const global = command.optsWithGlobals();
      const server = readServerLock(databasePath(global));
      let record: ReleaseRecord;
      if (server) {
        // the running server holds the file: it makes the release (as the admin of its token)
        const id = existsSync(join(resolve(opts.study), "study.yaml"))
          ? (await resolveStudy(opts.study)).id
          : opts.study;
        record = await askServer<ReleaseRecord>(server, databasePath(global), "POST", "/releases", {
          study: id,
          wave: opts.wave,
        });
      } else {
        const db = await openForWrite(global);
        const study = await resolveStudy(opts.study, db);
        record = await createRelease(db, study, opts.wave, opts.user);
      }
      log(
        `released ${record.release_id}: ${record.n_rows} figures, methodology ${record.methodology_version}, sha256 ${record.sha256}`,
      );
      if (record.supersedes_release_id)
        log(`it supersedes ${record.supersedes_release_id}, which stays readable`);
      process.stdout.write(`${JSON.stringify(record)}\n`);
    });
  release
    .command("list")
    .description("list releases as JSON")
    .option("--study <id>", "only this study")
    .action(async (opts, command: Command) => {
      const db = await openForWrite(command.optsWithGlobals());
      process.stdout.write(`${JSON.stringify(await listReleases(db, opts.study), null, 2)}\n`);
    });
  release
    .command("show")
    .description("print a release's file after checking its checksum")
    .argument("<release>", "release id")
    .action(async (id: string, _opts, command: Command) => {
      const db = await openForWrite(command.optsWithGlobals());
      process.stdout.write((await readRelease(db, id)).text);
    });
  return release;
}
