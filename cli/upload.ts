import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { Command } from "commander";
import { readServerLock } from "../db/serverLock.ts";
import { exportRejects, listUploads, retractUpload } from "../ingest/index.ts";
import { CliError } from "./CliError.ts";
import { databasePath, openForRead, openForWrite } from "./context.ts";
import { log } from "./log.ts";
import { askServer } from "./serverClient.ts";

export function uploadCommand(): Command {
  const upload = new Command("upload").description("manage uploads");
  upload
    .command("retract")
    .description("withdraw an upload (it stays in the history; models drop it on the next run)")
    .argument("<upload>", "upload id")
    .option("--user <name>", "who retracts (recorded)", process.env.USER ?? "cli")
    .action(async (id: string, opts, command: Command) => {
      const db = await openForWrite(command.optsWithGlobals());
      await retractUpload(db, id, opts.user);
      log(`retracted ${id}; run \`barometer run --study ...\` to update the marts`);
    });
  upload
    .command("list")
    .description("list uploads as JSON")
    .action(async (_opts, command: Command) => {
      const global = command.optsWithGlobals();
      const server = readServerLock(databasePath(global));
      // while the server holds the file, it lists them (with the CLI's token)
      const rows = server
        ? (await askServer<{ uploads: unknown[] }>(server, databasePath(global), "GET", "/admin/uploads"))
            .uploads
        : await listUploads(await openForRead(global));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    });
  upload
    .command("rejects")
    .description(
      "write the quarantined rows of an upload as CSV in the file's original layout, to fix and re-upload",
    )
    .argument("<upload>", "upload id")
    .option("-o, --output <file>", "write to this file instead of stdout")
    .action(async (id: string, opts: { output?: string }, command: Command) => {
      const db = await openForRead(command.optsWithGlobals());
      const out = opts.output ? createWriteStream(opts.output) : process.stdout;
      let n: number;
      try {
        n = await exportRejects(db, id, out);
      } catch (error) {
        throw new CliError((error as Error).message, { cause: error });
      } finally {
        if (opts.output) {
          out.end();
          await once(out, "finish");
        }
      }
      log(`${n} quarantined rows of ${id}${opts.output ? ` written to ${opts.output}` : ""}`);
    });
  return upload;
}
