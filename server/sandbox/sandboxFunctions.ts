/**
 * What analysts' SQL may call, by name. Table functions (and table macros) are allowed only
 * when listed in `ALLOWED_TABLE_FUNCTIONS`: a function DuckDB adds in a later version is
 * refused until someone decides otherwise. Every table function DuckDB has today is on one of
 * the two lists, and the stress suite fails when a new one is on neither, so the decision is
 * always made on purpose. Scalar functions are all allowed but the few in
 * `REFUSED_SCALAR_FUNCTIONS`, which read or change settings, write to DuckDB's log or run
 * other SQL. PRAGMA statements never run (`runSandboxQuery` takes queries only); the pragma
 * names are listed so the stress suite can check each of them is refused.
 */

/** Read-only table functions over the snapshot's own data, generated rows or JSON values. */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  "duckdb_columns",
  "duckdb_constraints",
  "duckdb_dependencies",
  "duckdb_functions",
  "duckdb_indexes",
  "duckdb_keywords",
  "duckdb_optimizers",
  "duckdb_schemas",
  "duckdb_sequences",
  "duckdb_tables",
  "duckdb_types",
  "duckdb_views",
  "generate_series",
  "histogram",
  "histogram_values",
  "icu_calendar_names",
  "json_each",
  "json_tree",
  "pg_timezone_names",
  "pragma_collations",
  "pragma_show",
  "pragma_table_info",
  "pragma_version",
  "range",
  "repeat",
  "repeat_row",
  "test_all_types",
  "unnest",
]);

/** Table functions refused, each for a reason (files, settings, logs, paths, other SQL). */
export const REFUSED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  // files and other databases (also refused by DuckDB's enable_external_access=false)
  "arrow_scan",
  "arrow_scan_dumb",
  "glob",
  "parquet_bloom_probe",
  "parquet_file_metadata",
  "parquet_full_metadata",
  "parquet_kv_metadata",
  "parquet_metadata",
  "parquet_scan",
  "parquet_schema",
  "read_blob",
  "read_csv",
  "read_csv_auto",
  "read_duckdb",
  "read_json",
  "read_json_auto",
  "read_json_objects",
  "read_json_objects_auto",
  "read_ndjson",
  "read_ndjson_auto",
  "read_ndjson_objects",
  "read_parquet",
  "read_text",
  "seq_scan",
  "sniff_csv",
  // run SQL given as text or serialized, past these checks
  "json_execute_serialized_sql",
  "query",
  "query_table",
  // change the instance's state: logging, profiling, parser, checkpoints
  "checkpoint",
  "check_peg_parser",
  "disable_logging",
  "disable_peg_parser",
  "disable_profiling",
  "enable_logging",
  "enable_peg_parser",
  "enable_profiling",
  "force_checkpoint",
  "truncate_duckdb_logs",
  // other users' queries, settings, paths, secrets and internals
  "duckdb_approx_database_count",
  "duckdb_connection_count",
  "duckdb_coordinate_systems",
  "duckdb_databases",
  "duckdb_extensions",
  "duckdb_external_file_cache",
  "duckdb_log_contexts",
  "duckdb_logs",
  "duckdb_logs_parsed",
  "duckdb_memory",
  "duckdb_prepared_statements",
  "duckdb_profiling_settings",
  "duckdb_secret_types",
  "duckdb_secrets",
  "duckdb_settings",
  "duckdb_table_sample",
  "duckdb_temporary_files",
  "duckdb_variables",
  "pragma_database_size",
  "pragma_metadata_info",
  "pragma_platform",
  "pragma_storage_info",
  "pragma_user_agent",
  "sql_auto_complete",
  "summary",
  "test_vector_types",
  "which_secret",
]);

/** DuckDB's built-in views over refused functions (the log, paths, settings, other sessions). */
export const REFUSED_VIEWS: ReadonlySet<string> = new Set([
  "duckdb_databases",
  "duckdb_logs",
  "pg_database",
  "pg_prepared_statements",
  "pg_settings",
  "pragma_database_list",
]);

/** Scalar functions refused: settings and variables (paths live there), the log, other SQL. */
export const REFUSED_SCALAR_FUNCTIONS: ReadonlySet<string> = new Set([
  "current_setting",
  "getvariable",
  "write_log",
  "parse_duckdb_log_message",
  "current_query",
]);

/**
 * The functions a parsed query calls, from DuckDB's own parser (`json_serialize_sql`): table
 * functions (in FROM) and every other function call, names lower-cased.
 */
export function calledFunctions(ast: unknown): {
  table: Set<string>;
  scalar: Set<string>;
  views: Set<string>;
} {
  const table = new Set<string>();
  const scalar = new Set<string>();
  const views = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    const fn = record.function as Record<string, unknown> | undefined;
    if (record.type === "TABLE_FUNCTION" && fn && typeof fn === "object") {
      table.add(String(fn.function_name).toLowerCase());
      // its arguments may call functions too; the call node itself is not a scalar call
      for (const [key, value] of Object.entries(fn)) if (key !== "function_name") walk(value);
      for (const [key, value] of Object.entries(record)) if (key !== "function") walk(value);
      return;
    }
    if (record.type === "BASE_TABLE" && typeof record.table_name === "string") {
      views.add(record.table_name.toLowerCase());
    }
    if (record.class === "FUNCTION" && typeof record.function_name === "string") {
      scalar.add(record.function_name.toLowerCase());
    }
    for (const value of Object.values(record)) walk(value);
  };
  walk(ast);
  return { table, scalar, views };
}

/** Why the query may not run (the first refused function), or undefined when it may. */
export function refusedFunction(ast: unknown): string | undefined {
  const { table, scalar, views } = calledFunctions(ast);
  for (const name of table) if (!ALLOWED_TABLE_FUNCTIONS.has(name)) return `${name}()`;
  for (const name of scalar) if (REFUSED_SCALAR_FUNCTIONS.has(name)) return `${name}()`;
  for (const name of views) if (REFUSED_VIEWS.has(name)) return name;
  return undefined;
}

/**
 * The same decision from the text alone, for the one kind of query DuckDB cannot serialize
 * (PIVOT): every name written before "(" must be an allowed table function or a function
 * DuckDB has that is not a table function and not refused (`otherFunctions`), or a keyword;
 * no refused view may be named. Conservative: a string literal that looks like a call counts.
 */
export function refusedInText(
  sql: string,
  otherFunctions: ReadonlySet<string>,
  keywords: ReadonlySet<string>,
): string | undefined {
  const text = sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, " ");
  for (const match of text.matchAll(/(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))(\s*\()?/g)) {
    const name = (match[1]?.replaceAll('""', '"') ?? match[2] ?? "").toLowerCase();
    if (REFUSED_VIEWS.has(name)) return name;
    if (!match[3]) continue;
    if (REFUSED_SCALAR_FUNCTIONS.has(name) || REFUSED_TABLE_FUNCTIONS.has(name)) return `${name}()`;
    if (ALLOWED_TABLE_FUNCTIONS.has(name) || keywords.has(name)) continue;
    if (!otherFunctions.has(name)) return `${name}()`;
  }
  return undefined;
}
