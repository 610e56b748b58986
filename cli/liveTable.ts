import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { sessionOf } from "../db/Database.ts";
import { closeDatabase, quoteIdent, type Session } from "../db/index.ts";
import { readServerLock } from "../db/serverLock.ts";
import { CliError } from "./CliError.ts";
import { databasePath, openForRead } from "./context.ts";
import { log } from "./log.ts";
import { refusalOf, serverFetch } from "./serverClient.ts";

/**
 * The session a read command (estimate --table) reads `table` from: the database, or, while
 * `barometer serve` holds it, the server's analytics snapshot; a table the snapshot does not
 * hold (a study's raw answers) is fetched from the running server's live database as Parquet
 * (GET /api/v1/tables/{name}/parquet, with the CLI's token) into a database in memory.
 */
export async function openTable(global: { db?: string }, table: string): Promise<Session> {
  const db = await openForRead(global, { snapshot: true });
  const [held] = await db.query<{ n: number }>(
    `select count(*)::integer as n from (
       select table_name as name from duckdb_tables() where schema_name = 'main'
       union all select view_name from duckdb_views() where schema_name = 'main' and not internal
     ) where name = $1`,
    [table],
  );
  const path = databasePath(global);
  const server = readServerLock(path);
  if ((held?.n ?? 0) > 0 || !server) return db;
  await closeDatabase(db);
  const res = await serverFetch(server, path, `/api/v1/tables/${encodeURIComponent(table)}/parquet`, {
    // the server's refusal in the terminal's language (zh_CN.UTF-8 and the like: Chinese)
    headers: { "accept-language": /^zh/i.test(process.env.LC_ALL || process.env.LANG || "") ? "zh" : "en" },
  });
  if (!res.ok) throw new CliError(`--table ${table}: ${await refusalOf(res)}`);
  const file = join(tmpdir(), `barometer-cli-${process.pid}-${randomBytes(6).toString("hex")}.parquet`);
  try {
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const instance = await DuckDBInstance.create(":memory:");
    const session = sessionOf(await instance.connect());
    await session.run(`create table ${quoteIdent(table)} as select * from read_parquet($file)`, { file });
    log(`read ${table} from barometer serve (pid ${server.pid}): the live database, as it is now`);
    return session;
  } finally {
    rmSync(file, { force: true });
  }
}
