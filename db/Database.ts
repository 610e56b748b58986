import { existsSync, mkdirSync, readFileSync, realpathSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBValue,
  JSDuckDBValueConverter,
} from "@duckdb/node-api";
import { applyMigrations } from "./applyMigrations.ts";
import { serverLockPath } from "./serverLock.ts";
import { timeSlicer } from "./timeSlicer.ts";

export type Params = DuckDBValue[] | Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

/** Bound-parameter access to one DuckDB connection. */
export interface Session {
  query<T = Row>(sql: string, params?: Params): Promise<T[]>;
  run(sql: string, params?: Params): Promise<void>;
  readonly connection: DuckDBConnection;
}

/**
 * The one wrapper around a DuckDB database file.
 *
 * One DuckDB instance per file per process: opening and closing a second instance on the
 * same file in one process drops the process's file lock, and a read-only second instance
 * sees stale data (measured with @duckdb/node-api 1.5). So instances live in a process-wide
 * cache keyed by real path and are only closed by `closeDatabase`.
 */
export class Database implements Session {
  readonly path: string;
  readonly readOnly: boolean;
  readonly #instance: DuckDBInstance;
  readonly #idle: DuckDBConnection[] = [];
  #main: DuckDBConnection | undefined;

  private constructor(path: string, instance: DuckDBInstance, readOnly: boolean) {
    this.path = path;
    this.#instance = instance;
    this.readOnly = readOnly;
  }

  /** @internal used by openDatabase */
  static async _create(path: string, instance: DuckDBInstance, readOnly: boolean): Promise<Database> {
    return new Database(path, instance, readOnly);
  }

  get connection(): DuckDBConnection {
    if (!this.#main) throw new Error("database connection not ready");
    return this.#main;
  }

  /** A new connection of its own (for a transaction or a long read). Close it when done. */
  async connect(): Promise<DuckDBConnection> {
    return this.#instance.connect();
  }

  async #borrow(): Promise<DuckDBConnection> {
    return this.#idle.pop() ?? (await this.#instance.connect());
  }

  #return(connection: DuckDBConnection): void {
    if (this.#idle.length < 8) this.#idle.push(connection);
    else connection.closeSync();
  }

  async query<T = Row>(sql: string, params?: Params): Promise<T[]> {
    const connection = await this.#borrow();
    try {
      return await queryOn<T>(connection, sql, params);
    } finally {
      this.#return(connection);
    }
  }

  async run(sql: string, params?: Params): Promise<void> {
    const connection = await this.#borrow();
    try {
      await connection.run(sql, params);
    } finally {
      this.#return(connection);
    }
  }

  /**
   * Run `work` in one transaction on a connection of its own: committed when it returns,
   * rolled back when it throws. A crash in between leaves the file as before (DuckDB's WAL).
   */
  async transaction<T>(work: (session: Session) => Promise<T>): Promise<T> {
    return this.withSession((session) => session.transaction(work));
  }

  /**
   * Run `work` on a connection of its own, closed afterwards. Temporary tables made on it
   * before `session.transaction(...)` live outside the transaction (stable rowids).
   */
  async withSession<T>(work: (session: OwnSession) => Promise<T>): Promise<T> {
    const connection = await this.#instance.connect();
    try {
      return await work(ownSession(connection));
    } finally {
      connection.closeSync();
    }
  }

  /** @internal */
  async _init(): Promise<void> {
    this.#main = await this.#instance.connect();
  }

  /** @internal */
  _close(): void {
    for (const c of this.#idle.splice(0)) c.closeSync();
    this.#main?.closeSync();
    this.#instance.closeSync();
  }
}

/** A session on a connection of its own, which can open one transaction at a time. */
export interface OwnSession extends Session {
  /**
   * Run `work` in one transaction: committed when it returns, rolled back when it throws, or
   * when it returns a value `keep` does not keep (a result that says "start again" is a
   * value, not an error).
   */
  transaction<T>(
    work: (session: Session) => Promise<T>,
    options?: { keep?: (result: T) => boolean },
  ): Promise<T>;
}

function ownSession(connection: DuckDBConnection): OwnSession {
  const session = sessionOf(connection);
  return {
    ...session,
    async transaction<T>(
      work: (s: Session) => Promise<T>,
      options: { keep?: (result: T) => boolean } = {},
    ): Promise<T> {
      await connection.run("begin transaction");
      try {
        const result = await work(session);
        await connection.run(options.keep && !options.keep(result) ? "rollback" : "commit");
        return result;
      } catch (error) {
        try {
          await connection.run("rollback");
        } catch {
          // the transaction may already be aborted by the error; nothing left to undo
        }
        throw error;
      }
    },
  };
}

export function sessionOf(connection: DuckDBConnection): Session {
  return {
    connection,
    query: (sql, params) => queryOn(connection, sql, params),
    run: async (sql, params) => {
      await connection.run(sql, params);
    },
  };
}

async function queryOn<T>(connection: DuckDBConnection, sql: string, params?: Params): Promise<T[]> {
  const result = await connection.run(sql, params);
  const names = result.deduplicatedColumnNames();
  const rows: Row[] = [];
  // a large result is turned into objects a chunk at a time, letting a server answer in between
  const slice = timeSlicer();
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (let r = 0; r < chunk.rowCount; r++) {
      const values = chunk.convertRowValues(r, JSDuckDBValueConverter);
      const row: Row = {};
      for (let i = 0; i < names.length; i++) row[names[i]!] = plain(values[i]);
      rows.push(row);
      if ((r & 255) === 255) await slice();
    }
    await slice();
  }
  return rows as T[];
}

/** BIGINT and HUGEINT come back as bigint, also inside lists and structs; safe ones become numbers. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const key of Object.keys(value))
      (value as Record<string, unknown>)[key] = plain((value as Record<string, unknown>)[key]);
  }
  return value;
}

export interface OpenOptions {
  readOnly?: boolean;
  /** Apply pending migrations (default true for writable databases). */
  migrate?: boolean;
}

const cache = new Map<string, Promise<Database>>();

/** Where the database lives when neither `--db` nor `BAROMETER_DB` says otherwise. */
export function defaultDatabasePath(): string {
  return resolve(process.env.BAROMETER_DB ?? "data/barometer.duckdb");
}

/**
 * Open (or reuse) the database at `path`, creating the folder and the file when missing and
 * applying migrations. Throws a plain message when another process holds the file.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Promise<Database> {
  const readOnly = options.readOnly ?? false;
  if (path === ":memory:") return openInMemory(options);
  const full = resolve(path);
  if (!readOnly) mkdirSync(dirname(full), { recursive: true });
  else if (!existsSync(full)) return Promise.reject(new Error(`database file not found: ${full}`));
  const key = existsSync(full) ? realpathSync(full) : full;
  const cached = cache.get(key);
  if (cached) {
    return cached.then((db) => {
      if (db.readOnly && !readOnly) {
        throw new Error(
          `${full} is already open read-only in this process; it cannot also be opened for writing`,
        );
      }
      return db;
    });
  }
  const opening = (async () => {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(full, readOnly ? { access_mode: "READ_ONLY" } : {});
    } catch (error) {
      throw explainOpenError(full, error);
    }
    const db = await Database._create(full, instance, readOnly);
    await db._init();
    if (!readOnly && options.migrate !== false) await applyMigrations(db);
    return db;
  })();
  cache.set(key, opening);
  opening.catch(() => cache.delete(key));
  return opening;
}

/** A private in-memory database (tests, `estimate --data`): not cached, nothing to share. */
async function openInMemory(options: OpenOptions): Promise<Database> {
  const instance = await DuckDBInstance.create(":memory:");
  const db = await Database._create(":memory:", instance, false);
  await db._init();
  if (options.migrate !== false) await applyMigrations(db);
  return db;
}

/** Close a database opened by openDatabase (tests, backup, shutdown). */
export async function closeDatabase(db: Database): Promise<void> {
  for (const [key, value] of cache) {
    if ((await value.catch(() => undefined)) === db) cache.delete(key);
  }
  db._close();
}

export async function closeAllDatabases(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  for (const p of all) {
    const db = await p.catch(() => undefined);
    db?._close();
  }
}

function explainOpenError(path: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/Could not set lock|Conflicting lock/i.test(message)) {
    const pid = /PID (\d+)/.exec(message)?.[1];
    const lock = serverLockPath(path);
    let holder = pid ? `process ${pid}` : "another process";
    if (existsSync(lock)) {
      try {
        const info = JSON.parse(readFileSync(lock, "utf8")) as { url?: string; pid?: number };
        holder = `barometer serve (pid ${info.pid ?? pid ?? "?"}, ${info.url ?? "url unknown"})`;
      } catch {
        // an unreadable lock note only loses the friendlier name
      }
    }
    return new Error(
      `The database ${basename(path)} (${path}) is in use by ${holder}. DuckDB allows one writing process per file: ` +
        "stop that process, or send the work to the running server (see README, 'One writer').",
    );
  }
  if (/not a valid DuckDB database|Corrupt|checksum/i.test(message)) {
    return new Error(`The file ${path} is not a readable Barometer database: ${message}`);
  }
  return new Error(`Could not open the database ${path}: ${message}`);
}
