import { Command, Option } from "commander";
import { tempDirOf } from "../db/index.ts";
import { readServerLock } from "../db/serverLock.ts";
import { formatIngestReport, ingestFile } from "../ingest/index.ts";
import { runModels } from "../models/index.ts";
import { CliError } from "./CliError.ts";
import { databasePath, hmacKeyOf, openForWrite, resolveStudy } from "./context.ts";
import { ingestThroughServer } from "./ingestThroughServer.ts";
import { log } from "./log.ts";
import { ingestProgressBar } from "./progressBar.ts";

export function ingestCommand(): Command {
  return new Command("ingest")
    .description("load a file of survey responses (CSV UTF-8/GBK, Excel .xlsx, Parquet) into a study wave")
    .argument("<file>", "the file to load")
    .requiredOption("--study <id|folder>", "study id, or the study folder")
    .requiredOption("--wave <id>", "wave id, as in study.yaml")
    .addOption(
      new Option("--encoding <encoding>", "text encoding of a CSV (detected when omitted)").choices([
        "utf-8",
        "gbk",
        "gb18030",
      ]),
    )
    .option("--sheet <name>", "worksheet of an .xlsx (default: the first)")
    .option("--strict", "refuse the whole file if any row fails validation")
    .option("--replace <upload>", "supersede an earlier upload of the wave")
    .option(
      "--no-run",
      "do not rerun the models after loading (through a running server: do not wait for its model run)",
    )
    .option(
      "--user <name>",
      "who uploads (recorded; through a running server, the token's user)",
      process.env.USER ?? "cli",
    )
    .option("--json", "print one JSON object instead of a report")
    .action(async (file: string, opts, command: Command) => {
      const global = command.optsWithGlobals<{ db?: string }>();
      // while `barometer serve` holds the file, the file goes through it (it is the one writer)
      const server = readServerLock(databasePath(global));
      if (server) {
        await ingestThroughServer(server, databasePath(global), file, { ...opts, wait: opts.run !== false });
        return;
      }
      const db = await openForWrite(global);
      const study = await resolveStudy(opts.study, db);
      const progress = ingestProgressBar();
      const result = await ingestFile(db, {
        study,
        waveId: opts.wave,
        path: file,
        encoding: opts.encoding,
        sheet: opts.sheet,
        strict: opts.strict,
        replace: opts.replace,
        user: opts.user,
        hmacKey: await hmacKeyOf(db),
        tempDir: tempDirOf(db.path),
        onProgress: progress.onProgress,
      }).finally(progress.stop);
      let runError: string | null = null;
      if (result.status === "loaded" && opts.run !== false) {
        try {
          await runModels(db, study, { onProgress: (model, i, n) => log(`run [${i + 1}/${n}] ${model}`) });
        } catch (error) {
          runError = (error as Error).message;
        }
      }
      if (opts.json) {
        const { upload_id, status, rows, accepted, rejected, encoding, format } = result;
        process.stdout.write(
          `${JSON.stringify({ upload_id, status, rows, accepted, rejected, encoding, format, errors: result.errors, refusal: result.refusal, warnings: result.warnings, model_run_error: runError })}\n`,
        );
      } else {
        process.stdout.write(`${formatIngestReport(result)}\n`);
      }
      if (runError)
        log(
          `The upload is loaded, but rerunning the models failed; the marts keep their last good state: ${runError}`,
        );
      if (result.status === "refused")
        throw new CliError(`refused: ${result.refusal?.en ?? "see report"}`, { exitCode: 2 });
    });
}
