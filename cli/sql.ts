import { DuckDBInstance } from "@duckdb/node-api";
import { Command, Option } from "commander";
import { CliError } from "./CliError.ts";
import { readablePath, SNAPSHOT_HINT } from "./readablePath.ts";

/**
 * Local, read-only SQL over the database file: opened read-only with external access off,
 * so a query cannot write, read other files or load extensions. (The server's sandboxed
 * console is a separate child process over a snapshot.)
 */
export function sqlCommand(): Command {
  return new Command("sql")
    .description("run one read-only SQL query against the database; results to stdout")
    .argument("<query>", "the SQL query")
    .addOption(
      new Option("--format <format>", "output format").choices(["table", "csv", "json"]).default("table"),
    )
    .option("--limit <n>", "at most this many rows", "1000")
    .action(async (query: string, opts, command: Command) => {
      const { path, snapshot } = readablePath(command.optsWithGlobals());
      let instance: DuckDBInstance;
      try {
        instance = await DuckDBInstance.create(path, {
          access_mode: "READ_ONLY",
          enable_external_access: "false",
          autoinstall_known_extensions: "false",
          autoload_known_extensions: "false",
          lock_configuration: "true",
        });
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const connection = await instance.connect();
      try {
        const statements = await connection.extractStatements(query);
        if (statements.count !== 1)
          throw new CliError(`give exactly one SQL statement (found ${statements.count})`);
        const reader = await connection.runAndReadUntil(query, Number(opts.limit) + 1);
        const rows = reader.getRowObjectsJson().slice(0, Number(opts.limit));
        const columns = reader.columnNames();
        if (opts.format === "json") process.stdout.write(`${JSON.stringify(rows)}\n`);
        else if (opts.format === "csv") {
          const esc = (v: unknown) => {
            const s = v === null || v === undefined ? "" : String(v);
            return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
          };
          process.stdout.write(
            `${columns.map(esc).join(",")}\n${rows.map((r) => columns.map((c) => esc(r[c])).join(",")).join("\n")}\n`,
          );
        } else console.table(rows);
        if (reader.currentRowCount > Number(opts.limit))
          process.stderr.write(`(truncated to ${opts.limit} rows)\n`);
      } catch (error) {
        if (error instanceof CliError) throw error;
        const text = (error as Error).message;
        throw new CliError(
          `query failed: ${text}${snapshot && /Catalog Error/.test(text) ? SNAPSHOT_HINT : ""}`,
        );
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    });
}
