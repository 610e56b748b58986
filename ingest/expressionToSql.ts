import type { Expr } from "../study/index.ts";

export interface SqlContext {
  /** SQL for the current answer (`.`), as text. */
  self: string;
  /** SQL for another item's answer, as text (NULL when missing). */
  item(name: string): string;
  /** Add a bound value; returns its placeholder. */
  bind(value: string | number): string;
}

const COMPARE: Record<string, string> = { "=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };
const ARITH: Record<string, string> = { "+": "+", "-": "-", "*": "*", div: "/", mod: "%" };

function isNumeric(e: Expr): boolean {
  return (
    e.kind === "number" ||
    e.kind === "neg" ||
    (e.kind === "binary" && e.op in ARITH) ||
    (e.kind === "call" && (e.name === "count-selected" || e.name === "string-length"))
  );
}

/**
 * Translate an XLSForm expression to a DuckDB expression over text answers. As in XPath,
 * a comparison with a number compares numerically (an answer that is not a number makes it
 * false); otherwise it compares text. Literals are bound, never spliced.
 */
export function expressionToSql(expr: Expr, ctx: SqlContext): string {
  const num = (e: Expr): string => (isNumeric(e) ? sql(e) : `try_cast(${sql(e)} as double)`);
  const text = (e: Expr): string => (isNumeric(e) ? `cast(${sql(e)} as varchar)` : sql(e));
  function sql(e: Expr): string {
    switch (e.kind) {
      case "self":
        return ctx.self;
      case "ref":
        return ctx.item(e.name);
      case "number":
        return `cast(${ctx.bind(e.value)} as double)`;
      case "string":
        return `cast(${ctx.bind(e.value)} as varchar)`;
      case "neg":
        return `(- ${num(e.operand)})`;
      case "column":
        throw new Error(`a choice column (${e.name}) outside a choice_filter`);
      case "binary": {
        if (e.op === "and" || e.op === "or")
          return `(coalesce(${sql(e.left)}, false) ${e.op} coalesce(${sql(e.right)}, false))`;
        if (e.op in ARITH) return `(${num(e.left)} ${ARITH[e.op]} ${num(e.right)})`;
        const op = COMPARE[e.op]!;
        if (isNumeric(e.left) || isNumeric(e.right)) return `(${num(e.left)} ${op} ${num(e.right)})`;
        return `(${text(e.left)} ${op} ${text(e.right)})`;
      }
      case "call": {
        const [a, b] = e.args;
        switch (e.name) {
          case "selected":
            return `list_contains(string_split(coalesce(${text(a!)}, ''), ' '), ${text(b!)})`;
          case "count-selected":
            return `len(list_filter(string_split(coalesce(${text(a!)}, ''), ' '), x -> x <> ''))`;
          case "string-length":
            return `length(coalesce(${text(a!)}, ''))`;
          case "regex":
            return `regexp_full_match(coalesce(${text(a!)}, ''), ${text(b!)})`;
          case "not":
            return `(not coalesce(${sql(a!)}, false))`;
          case "today":
            return "cast(current_date as varchar)";
          default:
            throw new Error(`unsupported function ${e.name}()`);
        }
      }
    }
  }
  return sql(expr);
}
