import type { SandboxQuerier } from "../../server/sandbox/index.ts";

export interface SqlInspection {
  /** The database's parser message when the text does not parse. */
  error?: string;
  /** The 0-based line of the text where the parser stopped, when it says. */
  errorLine?: number;
  /** Every relation named in FROM and JOIN clauses, CTE names included, lowercased. */
  tables: string[];
  /** Named parameters ($wave), without the $. Positional ones ($1) come as digits. */
  params: string[];
}

/**
 * Ask DuckDB's own parser (json_serialize_sql, in the sandbox) which relations and
 * parameters a query names: no regex over SQL text, so comments and string literals cannot
 * hide a table. When DuckDB cannot serialize a statement kind, falls back to a scan of the
 * text with comments and string literals removed.
 */
export async function inspectSql(sandbox: SandboxQuerier, sql: string): Promise<SqlInspection> {
  const result = await sandbox.query("select json_serialize_sql($1::varchar) as ast", { params: [sql] });
  if (!result.ok) return textScan(sql);
  const ast = JSON.parse(String(result.rows[0]?.[0] ?? "{}")) as {
    error?: boolean;
    error_type?: string;
    error_message?: string;
    position?: string;
  };
  if (ast.error) {
    if (ast.error_type === "parser") {
      const at = Number(ast.position);
      const errorLine = Number.isFinite(at) ? sql.slice(0, at).split("\n").length - 1 : undefined;
      return { error: ast.error_message ?? "syntax error", errorLine, tables: [], params: [] };
    }
    return textScan(sql);
  }
  const tables = new Set<string>();
  const params = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child);
      return;
    }
    if (!node || typeof node !== "object") return;
    const o = node as Record<string, unknown>;
    if (o.type === "BASE_TABLE" && typeof o.table_name === "string") tables.add(o.table_name.toLowerCase());
    if (Array.isArray(o.named_param_map)) {
      for (const entry of o.named_param_map as { key: string }[]) params.add(entry.key);
    }
    for (const value of Object.values(o)) walk(value);
  };
  walk(ast);
  return { tables: [...tables], params: [...params] };
}

function textScan(sql: string): SqlInspection {
  const bare = sql
    .replace(/--[^\n]*/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/'(?:[^']|'')*'/g, "''");
  const tables = [...bare.matchAll(/\b(?:from|join)\s+"?([A-Za-z_][\w]*)"?/gi)].map((m) =>
    m[1]!.toLowerCase(),
  );
  const words = [...bare.matchAll(/\b([a-z_][a-z0-9_]*)\b/gi)].map((m) => m[1]!.toLowerCase());
  const params = [...bare.matchAll(/\$([A-Za-z_]\w*|\d+)/g)].map((m) => m[1]!);
  // a conservative table list: every word, so a suppression check errs on refusing
  return { tables: [...new Set([...tables, ...words])], params: [...new Set(params)] };
}
