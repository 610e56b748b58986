import { Command, CommanderError } from "commander";
import { closeAllDatabases } from "../db/index.ts";
import { backupCommand, restoreCommand } from "./backup.ts";
import { CliError } from "./CliError.ts";
import { demoCommand } from "./demo.ts";
import { estimateCommand } from "./estimate.ts";
import { ingestCommand } from "./ingest.ts";
import { notebookCommand } from "./notebook.ts";
import { releaseCommand } from "./release.ts";
import { runCommand } from "./run.ts";
import { saeCommand } from "./sae.ts";
import { serveCommand } from "./serve.ts";
import { sitesCommand } from "./sites.ts";
import { sqlCommand } from "./sql.ts";
import { uploadCommand } from "./upload.ts";
import { userCommand } from "./user.ts";

export function program(): Command {
  return new Command("barometer")
    .description("Barometer: survey data in, weighted estimates with honest intervals out")
    .option("--db <path>", "database file (default: $BAROMETER_DB or ./data/barometer.duckdb)")
    .showHelpAfterError()
    .exitOverride()
    .addCommand(demoCommand())
    .addCommand(ingestCommand())
    .addCommand(uploadCommand())
    .addCommand(runCommand())
    .addCommand(releaseCommand())
    .addCommand(sitesCommand())
    .addCommand(estimateCommand())
    .addCommand(saeCommand())
    .addCommand(serveCommand())
    .addCommand(sqlCommand())
    .addCommand(notebookCommand())
    .addCommand(userCommand())
    .addCommand(backupCommand())
    .addCommand(restoreCommand());
}

/** Run the CLI; returns the exit code. Known errors become one plain line on stderr. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      process.stderr.write(`barometer: ${error.message}\n`);
      return error.exitCode;
    }
    const e = error as Error;
    process.stderr.write(`barometer: ${e.message}\n`);
    if (process.env.BAROMETER_DEBUG) process.stderr.write(`${e.stack}\n`);
    return 1;
  } finally {
    await closeAllDatabases();
  }
}
