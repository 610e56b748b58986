import { IngestRefusal, showValue } from "./IngestRefusal.ts";

/**
 * Turn an error from DuckDB's read_csv into a refusal from the catalogue that keeps the line
 * number ("CSV Error on Line: 5"), the offending line and what was wrong with it. Returns
 * null for errors that are not about the file's content.
 * DuckDB reads a copy of the file with each record's number in front (numberRecords): its
 * lines are the file's, and the number and its column are taken off again here.
 */
export function csvRefusal(error: unknown, file: string, delimiter: string | null): IngestRefusal | null {
  const text = error instanceof Error ? error.message : String(error);
  const line = /CSV Error on Line: (\d+)/.exec(text)?.[1];
  if (!line) return null;
  let original = /Original Line: ([^\n]*)/.exec(text)?.[1] ?? "";
  const prefix = delimiter === null ? null : /^(\d+|n)/.exec(original);
  if (prefix && original.startsWith(delimiter!, prefix[0].length))
    original = original.slice(prefix[0].length + delimiter!.length);
  const value = showValue(original);
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(text);
  if (columns)
    return new IngestRefusal("refuse.ragged_row", {
      file,
      line,
      expected: String(Number(columns[1]) - 1),
      found: String(Number(columns[2]) - 1),
      value,
    });
  if (/unterminated quote/i.test(text))
    return new IngestRefusal("refuse.unclosed_quote", { file, line, value });
  const detail =
    text
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l && !/^(CSV Error on Line|Original Line|Invalid Input Error)/.test(l)) ?? "unreadable";
  return new IngestRefusal("refuse.csv_error", { file, line, detail });
}
