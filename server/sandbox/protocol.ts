/**
 * The messages between the server and the SQL sandbox child, and the results callers see.
 * Everything here crosses a process boundary as JSON, so every value is JSON-safe.
 */

/** Why a sandboxed query gave no rows. Callers map these to catalogue messages and statuses. */
export type SandboxErrorCode =
  | "bad_request" // not a string, too long, bad parameters
  | "not_one_statement" // zero, or more than one, SQL statement
  | "not_read_only" // a statement that is not a plain query (SET, PRAGMA, COPY, ATTACH, ...)
  | "syntax_error"
  | "forbidden" // DuckDB refused a file, network or extension access
  | "query_failed" // any other error DuckDB reports (unknown table, bad cast, ...)
  | "out_of_memory"
  | "result_too_large" // one row alone is larger than the result byte budget
  | "timeout"
  | "sandbox_crashed" // the child died while running the query; it has been restarted
  | "sandbox_unavailable" // stopped, never started, or no snapshot to open
  | "busy" // too many queries already waiting
  | "quota"; // this user already has as many queries running or waiting as one user may

export interface SandboxColumn {
  name: string;
  /** The DuckDB type, as DuckDB spells it (`BIGINT`, `DECIMAL(10,2)`, `VARCHAR[]`). */
  type: string;
}

/** A JSON value: what a cell becomes on its way out of the sandbox. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface SandboxSuccess {
  ok: true;
  columns: SandboxColumn[];
  /**
   * One array per row, in column order (arrays, not objects, so that two columns with the
   * same name both survive). Integers within 2^53 are numbers, larger ones strings; DECIMAL,
   * dates, times and intervals come as DuckDB's JSON forms (strings or small objects).
   */
  rows: JsonValue[][];
  /** More rows (or bytes) were available than the limits allowed. */
  truncated: boolean;
  elapsedMs: number;
}

export interface SandboxFailure {
  ok: false;
  error: { code: SandboxErrorCode; message: string };
}

export type SandboxResult = SandboxSuccess | SandboxFailure;

/** Values a caller may bind to `$1` / `$name` placeholders. */
export type SandboxParam = string | number | boolean | null;
export type SandboxParams = SandboxParam[] | Record<string, SandboxParam>;

/** Server → child. */
export type ToChild =
  | { type: "open"; path: string }
  | { type: "query"; id: number; sql: string; maxRows: number; maxBytes: number; params?: SandboxParams }
  | { type: "interrupt"; id: number };

/** Child → server. */
export type FromChild =
  | { type: "opened"; path: string }
  | { type: "open_failed"; path: string; message: string }
  /** A batch of a result's rows, ahead of its `result` (which then carries the rest). */
  | { type: "rows"; id: number; rows: JsonValue[][] }
  | { type: "result"; id: number; result: SandboxResult };

/** The child's DuckDB settings, given once on its command line. */
export interface ChildSettings {
  /** DuckDB syntax, e.g. "512MB". */
  memoryLimit: string;
  threads: number;
}

export function failure(code: SandboxErrorCode, message: string): SandboxFailure {
  return { ok: false, error: { code, message } };
}
