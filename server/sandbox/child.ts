/**
 * The SQL sandbox child process: its own DuckDB instance over one read-only snapshot file,
 * answering one query at a time over IPC. Started by `SqlSandbox` with
 * `node --import tsx/esm child.ts '<settings json>'`; never imported.
 */
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { ChildSettings, FromChild, ToChild } from "./protocol.ts";
import { failure } from "./protocol.ts";
import { runSandboxQuery } from "./runSandboxQuery.ts";
import { sandboxInstanceOptions } from "./sandboxInstanceOptions.ts";

const settings = JSON.parse(process.argv[2] ?? "{}") as ChildSettings;
let instance: DuckDBInstance | undefined;
let running: { id: number; connection: DuckDBConnection } | undefined;

function send(message: FromChild): void {
  process.send?.(message);
}

async function open(path: string): Promise<void> {
  try {
    const next = await DuckDBInstance.create(path, sandboxInstanceOptions(settings));
    // a fresh instance first, then drop the old one: a bad file leaves the old snapshot serving
    instance?.closeSync();
    instance = next;
    send({ type: "opened", path });
  } catch (error) {
    send({ type: "open_failed", path, message: (error as Error).message });
  }
}

async function query(message: Extract<ToChild, { type: "query" }>): Promise<void> {
  if (!instance) {
    send({ type: "result", id: message.id, result: failure("sandbox_unavailable", "no snapshot is open") });
    return;
  }
  let connection: DuckDBConnection | undefined;
  try {
    // a connection per query, so nothing one query leaves behind is seen by the next
    connection = await instance.connect();
    running = { id: message.id, connection };
    send({ type: "result", id: message.id, result: await runSandboxQuery(connection, message) });
  } catch (error) {
    send({ type: "result", id: message.id, result: failure("query_failed", (error as Error).message) });
  } finally {
    running = undefined;
    connection?.closeSync();
  }
}

// Messages are handled in order; the server sends the next query only after an answer, but
// an interrupt must reach the running query, so it is handled at once.
let work = Promise.resolve();
process.on("message", (message: ToChild) => {
  if (message.type === "interrupt") {
    if (running?.id === message.id) running.connection.interrupt();
    return;
  }
  work = work
    .then(() => (message.type === "open" ? open(message.path) : query(message)))
    .catch(() => undefined); // both handlers answer their own errors; keep the queue alive
});

// the server is gone: nothing left to answer
process.on("disconnect", () => process.exit(0));
