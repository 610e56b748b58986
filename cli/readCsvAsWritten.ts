/**
 * DuckDB's `read_csv` of a user's survey file, read as the user wrote it: a column of whole
 * numbers is BIGINT, of other numbers DOUBLE, and everything else text. DuckDB's own sniffer
 * would also make BOOLEAN of `Yes`/`No` or `true`/`false` columns and DATE/TIME of date-like
 * ones, so domains came out as `true`/`false` and margins written with the file's labels were
 * refused. Every CSV the CLI reads as data goes through here. `path` is SQL (a bound parameter).
 */
export function readCsvAsWritten(path: string): string {
  return `read_csv(${path}, header = true, auto_type_candidates = ['BIGINT', 'DOUBLE', 'VARCHAR'])`;
}
