import { IngestRefusal, showValue } from "./IngestRefusal.ts";

/**
 * Turn an error from DuckDB's read_csv into a refusal from the catalogue that keeps the line
 * number ("CSV Error on Line: 5"), the offending line and what was wrong with it. Returns
 * null for errors that are not about the file's content.
 * `numbered` is the delimiter when DuckDB read the copy of the file with each record's number
 * in front (numberRecords): its lines are the file's, and the number and its column are taken
 * off again here. It is null when DuckDB read the file as it is.
 */
export function csvRefusal(
  error: unknown,
  file: string,
  numbered: string | null,
  personal?: { delimiter: string; from: number },
): IngestRefusal | null {
  const text = error instanceof Error ? error.message : String(error);
  const line = /CSV Error on Line: (\d+)/.exec(text)?.[1];
  if (!line) return null;
  let original = /Original Line: ([^\n]*)/.exec(text)?.[1] ?? "";
  const prefix = numbered === null ? null : /^(\d+|n)/.exec(original);
  if (prefix && original.startsWith(numbered!, prefix[0].length))
    original = original.slice(prefix[0].length + numbered!.length);
  // The line as far as the first personal column (`personal.from`, from 0): a message never
  // shows a personal cell. Split without regard to quotes, a cell can only move right of
  // where it is, so everything at or after that place is left out.
  if (personal) {
    const cells = original.split(personal.delimiter);
    if (cells.length > personal.from)
      original = `${cells.slice(0, personal.from).join(personal.delimiter)}${personal.delimiter}…`;
  }
  const value = showValue(original);
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(text);
  const numberColumn = numbered === null ? 0 : 1;
  if (columns)
    return new IngestRefusal("refuse.ragged_row", {
      file,
      line,
      expected: String(Number(columns[1]) - numberColumn),
      found: String(Number(columns[2]) - numberColumn),
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
