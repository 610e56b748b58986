/**
 * The SQL sandbox child process: its own DuckDB instance over one read-only snapshot file,
 * answering one query at a time over IPC. Started by `SqlSandbox` with
 * `node --import tsx/esm child.ts '<settings json>'`; never imported.
 */
import { basename, dirname } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { ChildSettings, FromChild, ToChild } from "./protocol.ts";
import { failure } from "./protocol.ts";
import { runSandboxQuery, withoutPaths } from "./runSandboxQuery.ts";
import { sandboxInstanceOptions } from "./sandboxInstanceOptions.ts";

const settings = JSON.parse(process.argv[2] ?? "{}") as ChildSettings;
let instance: DuckDBInstance | undefined;
/** Queries under way, by id: several run at once, each on its own connection. */
const running = new Map<number, DuckDBConnection>();

function send(message: FromChild): void {
  process.send?.(message);
}

async function open(path: string): Promise<void> {
  try {
    // opened by its name from its own folder, so no server path is in duckdb_databases() or errors
    process.chdir(dirname(path));
    const next = await DuckDBInstance.create(basename(path), sandboxInstanceOptions(settings));
    // a fresh instance first, then drop the old one: a bad file leaves the old snapshot serving
    instance?.closeSync();
    instance = next;
    send({ type: "opened", path });
  } catch (error) {
    send({ type: "open_failed", path, message: (error as Error).message });
  }
}

/** Rows per IPC message of a large result. */
const ROWS_PER_MESSAGE = 1000;

async function query(message: Extract<ToChild, { type: "query" }>): Promise<void> {
  if (!instance) {
    send({ type: "result", id: message.id, result: failure("sandbox_unavailable", "no snapshot is open") });
    return;
  }
  let connection: DuckDBConnection | undefined;
  try {
    // a connection per query, so nothing one query leaves behind is seen by the next
    connection = await instance.connect();
    running.set(message.id, connection);
    const result = await runSandboxQuery(connection, message);
    if (result.ok) {
      // in batches: one message of 30 MB would take the server's event loop for seconds to parse
      let sent = 0;
      for (; result.rows.length - sent > ROWS_PER_MESSAGE; sent += ROWS_PER_MESSAGE) {
        send({ type: "rows", id: message.id, rows: result.rows.slice(sent, sent + ROWS_PER_MESSAGE) });
      }
      result.rows = result.rows.slice(sent);
    }
    send({ type: "result", id: message.id, result });
  } catch (error) {
    send({
      type: "result",
      id: message.id,
      result: failure("query_failed", withoutPaths((error as Error).message)),
    });
  } finally {
    running.delete(message.id);
    connection?.closeSync();
  }
}

// Opens are handled in order; queries run at once, side by side (the server sends no query
// while an open is under way, and limits how many run); an interrupt reaches its query.
let work = Promise.resolve();
process.on("message", (message: ToChild) => {
  if (message.type === "interrupt") running.get(message.id)?.interrupt();
  else if (message.type === "query") void query(message);
  else work = work.then(() => open(message.path)).catch(() => undefined);
});

// the server is gone: nothing left to answer
process.on("disconnect", () => process.exit(0));
