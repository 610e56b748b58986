import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { loadSecret } from "../db/index.ts";
import { formatIngestReport, ingestFile } from "../ingest/index.ts";
import { runModels } from "../models/index.ts";
import { loadStudy } from "../study/index.ts";
import { CliError } from "./CliError.ts";
import { DEMO_STUDY_DIR, databasePath, openForWrite } from "./context.ts";
import { log } from "./log.ts";
import { serve } from "./serve.ts";

/**
 * The demo: load the example study's three waves (already generated and committed; see
 * examples/mass-org-evaluation/README.md), run the models, and say where the results are.
 * Loading twice is harmless: the same files are recognised by their hash.
 */
export function demoCommand(): Command {
  return new Command("demo")
    .description("load the demo study into the database, run the models, and (with --serve) serve it")
    .option("--serve", "start the server afterwards")
    .option("--host <host>", "address to bind with --serve", "127.0.0.1")
    .option("--port <port>", "port with --serve", "8080")
    .action(async (opts, command: Command) => {
      const global = command.optsWithGlobals<{ db?: string }>();
      const db = await openForWrite(global);
      const study = await loadStudy(DEMO_STUDY_DIR);
      const dir = join(study.dir, "responses");
      for (const wave of study.waves) {
        const file = readdirSync(dir).find((f) => f === `wave-${wave.id}.csv`);
        if (!file) throw new CliError(`demo data for wave ${wave.id} is missing in ${dir}`);
        const result = await ingestFile(db, {
          study,
          waveId: wave.id,
          path: join(dir, file),
          user: "demo",
          hmacKey: loadSecret(databasePath(global), "hmac"),
        });
        log(formatIngestReport(result));
        if (result.status === "refused") throw new CliError(`the demo file ${file} was refused`);
      }
      const run = await runModels(db, study, (step) => log(`building ${step} ...`));
      log(`models built (${run.estimates} estimates) in ${db.path}`);
      log(`Try: barometer sql "select * from index_estimates limit 5"`);
      if (opts.serve) {
        await serve(db, opts.host, Number(opts.port));
        await new Promise(() => {});
      } else {
        log("Serve it with: barometer serve");
      }
    });
}
