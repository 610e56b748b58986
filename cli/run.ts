import { Command } from "commander";
import { runModels } from "../models/index.ts";
import { openForWrite, resolveStudy } from "./context.ts";
import { log } from "./log.ts";

export function runCommand(): Command {
  return new Command("run")
    .description("rebuild a study's models: staging, weights and the index marts")
    .requiredOption("--study <id|folder>", "study id, or the study folder")
    .action(async (opts, command: Command) => {
      const db = await openForWrite(command.optsWithGlobals());
      const study = await resolveStudy(opts.study, db);
      // a study id runs the folder the database last registered for it: say which
      log(`study ${study.id} from ${study.dir}`);
      const result = await runModels(db, study, {
        onProgress: (model, i, n) => log(`[${i + 1}/${n}] ${model}`),
      });
      for (const t of result.timings) log(`  ${t.model.padEnd(48)} ${t.seconds.toFixed(3)} s`);
      log(`run ${result.runId} finished`);
    });
}
