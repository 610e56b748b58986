import type { Cell } from "./records.ts";

/**
 * Formats rows as RFC 4180 CSV: comma-separated, "\n" line ends, a final newline, fields quoted
 * only when they hold a comma, quote or line break, null as an empty field. Numbers are written
 * with String(), so callers format non-integers themselves (e.g. toFixed) to keep files stable.
 */
export function toCsv(header: readonly string[], rows: Iterable<readonly Cell[]>): string {
  const lines = [header.map(field).join(",")];
  for (const row of rows) lines.push(row.map(field).join(","));
  return `${lines.join("\n")}\n`;
}

function field(value: Cell): string {
  if (value === null) return "";
  const s = typeof value === "number" ? String(value) : value;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
