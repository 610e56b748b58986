import { Command } from "commander";
import { retractUpload } from "../ingest/index.ts";
import { openForWrite } from "./context.ts";
import { log } from "./log.ts";

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
      const db = await openForWrite(command.optsWithGlobals());
      const rows = await db.query(
        "select upload_id, study_id, wave_id, file_name, status, n_rows_read, n_accepted, n_rejected, uploaded_by, uploaded_at::varchar as uploaded_at from uploads order by uploaded_at",
      );
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    });
  return upload;
}
