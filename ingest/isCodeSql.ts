/** Temp table of the codes of every long choice list: list, code (see stageCodes in checkFile). */
export const CODES = "_codes";

/** Lists longer than this are looked up in CODES (a hash join) rather than compared one code at a time. */
export const SHORT_LIST = 12;

/**
 * Boolean SQL: `value` is one of the codes of choice list `list` (null when `value` is). A
 * short list compiles to a scan of a constant list; a long one (villages) to one hash lookup
 * in the CODES temp table. Not `value in (...)`: DuckDB rewrites an IN list of six or more
 * constants into a join, and the checks of forty such columns in one projection, as many
 * joins, ran out of memory at the ingest's 384 MB and took half again as long.
 */
export function isCodeSql(
  value: string,
  list: string,
  codes: string[],
  bind: (value: string) => string,
): string {
  return codes.length <= SHORT_LIST
    ? `list_contains([${codes.map((c) => bind(c)).join(", ")}], ${value})`
    : `${value} in (select code from ${CODES} where list = ${bind(list)})`;
}
