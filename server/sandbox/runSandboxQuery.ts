import {
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBPreparedStatement,
  type DuckDBType,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  StatementType,
} from "@duckdb/node-api";
import {
  failure,
  type JsonValue,
  type SandboxErrorCode,
  type SandboxParams,
  type SandboxResult,
} from "./protocol.ts";
import { refusedFunction, refusedInText } from "./sandboxFunctions.ts";

export interface SandboxQuery {
  sql: string;
  maxRows: number;
  /** A budget for the JSON size of the rows; past it the result is cut and marked truncated. */
  maxBytes: number;
  params?: SandboxParams;
}

/**
 * Statements that parse to a SELECT plan but should still be refused start with another
 * word: `PRAGMA version` is planned as a SELECT over `pragma_version()`. So besides the
 * prepared statement's type, the first word must be one that begins a plain query.
 */
const QUERY_WORDS = new Set([
  "select",
  "with",
  "from",
  "values",
  "table",
  "describe",
  "show",
  "summarize",
  "pivot",
  "unpivot",
]);

/**
 * Run one untrusted, read-only query on `connection` (the child's own sandboxed instance):
 * exactly one statement, a plain query, at most `maxRows` rows streamed (one more is read to
 * set `truncated`). Never throws: every failure is a `SandboxFailure` with a clean message.
 */
export async function runSandboxQuery(
  connection: DuckDBConnection,
  query: SandboxQuery,
): Promise<SandboxResult> {
  const started = performance.now();
  let prepared: DuckDBPreparedStatement | undefined;
  try {
    const statements = await extract(connection, query.sql);
    if (statements === undefined || statements.count !== 1) {
      const found = statements?.count ?? 0;
      return failure("not_one_statement", `give exactly one SQL statement (found ${found})`);
    }
    const word = firstWord(query.sql);
    const notQuery = () =>
      failure(
        "not_read_only",
        `only queries (SELECT, WITH, FROM, ...) may run here; this statement starts with "${word.toUpperCase()}"`,
      );
    if (!QUERY_WORDS.has(word)) return notQuery();
    // before prepare: binding a table function may already run it
    const refused = await checkFunctions(connection, query.sql, word);
    if (refused) return refused;
    prepared = await statements.prepare(0);
    if (prepared.statementType !== StatementType.SELECT) return notQuery();
    if (query.params !== undefined) prepared.bind(query.params);
    const result = await prepared.stream();
    const columns = result.columnNames().map((name, i) => ({ name, type: result.columnType(i).toString() }));
    const types = result.columnTypes();
    const rows: JsonValue[][] = [];
    let bytes = 0;
    let truncated = false;
    while (!truncated) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const row of convert(chunk, types)) {
        const size = JSON.stringify(row).length;
        if (rows.length >= query.maxRows || bytes + size > query.maxBytes) {
          truncated = true;
          break;
        }
        rows.push(row);
        bytes += size;
      }
    }
    if (truncated && rows.length === 0 && query.maxRows > 0) {
      return failure("result_too_large", `the first row alone is larger than ${query.maxBytes} bytes`);
    }
    return { ok: true, columns, rows, truncated, elapsedMs: Math.round(performance.now() - started) };
  } catch (error) {
    return explain(error);
  } finally {
    prepared?.destroySync();
  }
}

/**
 * The statements of `sql`, or undefined when there are none: for text with no statement
 * (empty, only comments, only `;`) node-api 1.5 throws a bare "Error in native callback".
 */
async function extract(connection: DuckDBConnection, sql: string) {
  try {
    return await connection.extractStatements(sql);
  } catch (error) {
    if ((error as Error).message === "Error in native callback") return undefined;
    throw error;
  }
}

/**
 * Refuse a query that calls a table function off the allow-list or a refused scalar function
 * (sandboxFunctions.ts), as DuckDB's own parser reads it. A top-level PIVOT cannot be
 * serialized as it stands, so it is checked as the subquery it is equivalent to.
 */
async function checkFunctions(
  connection: DuckDBConnection,
  sql: string,
  word: string,
): Promise<SandboxResult | undefined> {
  const serialize = async (text: string) => {
    const reader = await connection.runAndReadAll("select json_serialize_sql($1::varchar)", [text]);
    return JSON.parse(String(reader.getRows()[0]?.[0])) as { error: boolean; statements?: unknown };
  };
  const ast = await serialize(sql);
  let name: string | undefined;
  if (!ast.error) name = refusedFunction(ast.statements);
  else if (word === "pivot" || word === "unpivot" || /\b(?:un)?pivot\b/i.test(sql)) {
    const known = await knownNames(connection);
    name = refusedInText(sql, known.functions, known.keywords);
  } else {
    // only queries reach here; one DuckDB cannot serialize is not one we can check
    return failure("not_read_only", "this statement cannot be checked, so it may not run here");
  }
  if (name === undefined) return undefined;
  return failure("forbidden", `the SQL console may not use ${name}`);
}

let known: Promise<{ functions: Set<string>; keywords: Set<string> }> | undefined;

/** DuckDB's functions other than table functions (refused ones aside) and its keywords, read once. */
function knownNames(connection: DuckDBConnection) {
  known ??= (async () => {
    const names = async (sql: string) =>
      new Set((await connection.runAndReadAll(sql)).getRows().map((r) => String(r[0]).toLowerCase()));
    return {
      functions: await names(
        "select distinct function_name from duckdb_functions() where function_type not in ('table', 'table_macro', 'pragma')",
      ),
      keywords: await names("select keyword_name from duckdb_keywords()"),
    };
  })();
  return known;
}

/** The first word of the statement, after comments and opening parentheses. */
function firstWord(sql: string): string {
  const rest = sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/, "");
  return /^[A-Za-z_]+/.exec(rest)?.[0]?.toLowerCase() ?? "";
}

const INTEGER_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
]);

/**
 * Rows as JSON. DuckDB's JSON converter writes 64- and 128-bit integers as strings; a
 * top-level integer that fits a double exactly becomes a number again, so counts chart.
 */
function convert(chunk: DuckDBDataChunk, types: DuckDBType[]): JsonValue[][] {
  const rows = chunk.convertRows(JsonDuckDBValueConverter) as JsonValue[][];
  types.forEach((type, c) => {
    if (!INTEGER_TYPES.has(type.typeId)) return;
    for (const row of rows) {
      const v = row[c];
      if (typeof v === "string") {
        const n = Number(v);
        if (Number.isSafeInteger(n)) row[c] = n;
      }
    }
  });
  return rows;
}

/** A DuckDB error as a code and its own first paragraph: no stack, no JS internals. */
function explain(error: unknown): SandboxResult {
  const raw = error instanceof Error ? error.message : String(error);
  const message = raw.replace(/^Failed to (?:extract statements|prepare statement): /, "").trim();
  const kinds: [RegExp, SandboxErrorCode][] = [
    [/^INTERRUPT Error/, "timeout"],
    [/^Out of Memory Error/, "out_of_memory"],
    [/^Permission Error/, "forbidden"],
    [/^Parser Error/, "syntax_error"],
  ];
  const code = kinds.find(([pattern]) => pattern.test(message))?.[1] ?? "query_failed";
  if (code === "forbidden") {
    return failure(code, "the SQL console cannot read files, attach databases or load extensions");
  }
  if (error instanceof RangeError) return failure("result_too_large", "a value is too large to return");
  const clean = withoutPaths(message);
  return failure(code, clean.length > 2000 ? `${clean.slice(0, 2000)}…` : clean);
}

/** Absolute paths in a message (the server's folders) shortened to their last part. */
export function withoutPaths(message: string): string {
  return message.replace(/(?:\/[^\s'"/]+)+\/([^\s'"/]+)/g, "…/$1");
}
