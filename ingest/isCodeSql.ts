/** Temp table of the codes of every long choice list: list, code (see stageCodes in ingestFile). */
export const CODES = "_codes";

/** Lists longer than this are looked up in CODES (a hash join) rather than compared one code at a time. */
export const SHORT_LIST = 12;

/**
 * Boolean SQL: `value` is one of the codes of choice list `list`. A short list compiles to
 * comparisons; a long one (villages) to one hash lookup in the CODES temp table.
 */
export function isCodeSql(
  value: string,
  list: string,
  codes: string[],
  bind: (value: string) => string,
): string {
  return codes.length <= SHORT_LIST
    ? `${value} in (${codes.map((c) => bind(c)).join(", ")})`
    : `${value} in (select code from ${CODES} where list = ${bind(list)})`;
}
