import { Command, CommanderError } from "commander";
import { CliError } from "./CliError.ts";

/**
 * The subcommands, each loaded only when it runs: a command's module pulls in what it needs
 * (DuckDB, the server, Excel), and `barometer --help` or `barometer sql` should not pay for
 * all of them. The descriptions here are what the top-level help lists.
 */
const COMMANDS: Record<string, { description: string; load: () => Promise<Command> }> = {
  demo: {
    description: "load the demo study into the database, run the models, and (with --serve) serve it",
    load: async () => (await import("./demo.ts")).demoCommand(),
  },
  ingest: {
    description: "load a file of survey responses (CSV UTF-8/GBK, Excel .xlsx, Parquet) into a study wave",
    load: async () => (await import("./ingest.ts")).ingestCommand(),
  },
  upload: {
    description: "manage uploads (list, retract, rejects)",
    load: async () => (await import("./upload.ts")).uploadCommand(),
  },
  run: {
    description: "rebuild a study's models: staging, weights and the index marts",
    load: async () => (await import("./run.ts")).runCommand(),
  },
  release: {
    description: "freeze a wave's reported figures as an immutable release (for the annual assessment)",
    load: async () => (await import("./release.ts")).releaseCommand(),
  },
  report: {
    description: "print a release as an A4 PDF bulletin (公报): the district, one township, or all townships",
    load: async () => (await import("./report.ts")).reportCommand(),
  },
  sites: {
    description: "demonstration sites (示范点): build the assessment's tables, release a half-year",
    load: async () => (await import("./sites.ts")).sitesCommand(),
  },
  estimate: {
    description:
      "design-based estimates (mean, total, proportion, ratio) with SEs that agree with R's survey package",
    load: async () => (await import("./estimate.ts")).estimateCommand(),
  },
  sae: {
    description: "small-area estimates (Fay-Herriot) from a CSV of direct estimates, as R's emdi",
    load: async () => (await import("./sae.ts")).saeCommand(),
  },
  serve: {
    description: "serve the dashboards and API (binds 127.0.0.1 unless --host says otherwise)",
    load: async () => (await import("./serve.ts")).serveCommand(),
  },
  sql: {
    description: "run one read-only SQL query against the database; results to stdout",
    load: async () => (await import("./sql.ts")).sqlCommand(),
  },
  notebook: {
    description: "analyst notebooks: Markdown with SQL, charts and estimates",
    load: async () => (await import("./notebook.ts")).notebookCommand(),
  },
  user: {
    description: "manage users and API tokens (through the running server, or on the database file)",
    load: async () => (await import("./user.ts")).userCommand(),
  },
  backup: {
    description: "write a consistent copy of the database and its releases (also while the server runs)",
    load: async () => (await import("./backup.ts")).backupCommand(),
  },
  restore: {
    description: "restore a backup into a new database file (given by --db)",
    load: async () => (await import("./backup.ts")).restoreCommand(),
  },
};

/** The command named in argv (after the global --db option), if any. */
function commandOf(argv: string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--db") i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/**
 * The program with the command argv names loaded (or, for the top-level help and unknown
 * commands, every command as a name and a description).
 */
export async function program(argv: string[] = process.argv): Promise<Command> {
  const root = new Command("barometer")
    .description("Barometer: survey data in, weighted estimates with honest intervals out")
    .option("--db <path>", "database file (default: $BAROMETER_DB or ./data/barometer.duckdb)")
    .showHelpAfterError()
    .exitOverride();
  const named = commandOf(argv);
  for (const [name, command] of Object.entries(COMMANDS)) {
    if (name === named) root.addCommand(await command.load());
    else root.command(name).description(command.description);
  }
  return root;
}

/** Run the CLI; returns the exit code. Known errors become one plain line on stderr. */
export async function main(argv: string[]): Promise<number> {
  try {
    await (await program(argv)).parseAsync(argv);
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
    // only after a command ran: the top-level help does not load DuckDB
    const named = commandOf(argv);
    if (named && named in COMMANDS) await (await import("../db/Database.ts")).closeAllDatabases();
  }
}
