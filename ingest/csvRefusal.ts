import { IngestRefusal, showValue } from "./IngestRefusal.ts";

/**
 * Turn an error from DuckDB's read_csv into a refusal from the catalogue that keeps the line
 * number ("CSV Error on Line: 5"), the offending line and what was wrong with it. Returns
 * null for errors that are not about the file's content.
 */
export function csvRefusal(error: unknown, file: string): IngestRefusal | null {
  const text = error instanceof Error ? error.message : String(error);
  const line = /CSV Error on Line: (\d+)/.exec(text)?.[1];
  if (!line) return null;
  const original = /Original Line: ([^\n]*)/.exec(text)?.[1] ?? "";
  const value = showValue(original);
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(text);
  if (columns)
    return new IngestRefusal("refuse.ragged_row", {
      file,
      line,
      expected: columns[1]!,
      found: columns[2]!,
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
