import type { Session } from "../../db/index.ts";
import { quoteIdent } from "../../db/index.ts";
import type { Contract } from "./loadModels.ts";

/**
 * Check a model's contract on the relation it just built: the key is unique and not null
 * (unless the contract says why that holds by construction), listed columns are not null,
 * accepted values hold, and every invariant query returns no rows. Not-null and accepted
 * values are counted in one pass over the relation. Throws a message naming the model, the
 * rule and an example.
 */
export async function checkContract(
  session: Session,
  model: string,
  relation: string,
  contract: Contract,
  render: (sql: string) => string,
  params: Record<string, string | number>,
): Promise<void> {
  const q = quoteIdent;
  const rel = q(relation);
  if (!contract.key_by_construction) {
    const key = contract.key.map(q).join(", ");
    const dup = await session.query<Record<string, unknown>>(
      `select ${key}, count(*)::bigint as n from ${rel} group by all having count(*) > 1 limit 1`,
    );
    if (dup[0])
      throw new Error(
        `model ${model}: key (${contract.key.join(", ")}) is not unique, e.g. ${JSON.stringify(dup[0], jsonSafe)}`,
      );
  }
  await checkColumns(session, model, rel, contract);
  for (const invariant of contract.invariants) {
    const sql = render(invariant.sql);
    const used = Object.fromEntries(
      Object.entries(params).filter(([name]) => new RegExp(`\\$${name}\\b`).test(sql)),
    );
    const rows = await session.query<Record<string, unknown>>(`select * from (${sql}) limit 1`, used);
    if (rows[0])
      throw new Error(
        `model ${model}: invariant "${invariant.name}" is broken, e.g. ${JSON.stringify(rows[0], jsonSafe)}`,
      );
  }
}

/** Not-null and accepted values, counted in one pass; examples of bad values only on failure. */
async function checkColumns(session: Session, model: string, rel: string, contract: Contract): Promise<void> {
  const q = quoteIdent;
  const notNull = [...new Set([...(contract.key_by_construction ? [] : contract.key), ...contract.not_null])];
  const accepted = Object.entries(contract.accepted_values);
  if (notNull.length + accepted.length === 0) return;
  const outside = (column: string, values: unknown[], prefix: string) =>
    `${q(column)} is not null and ${q(column)}::varchar not in (${values.map((_, i) => `$${prefix}${i}`).join(", ")})`;
  const bound = (values: unknown[], prefix: string) =>
    Object.fromEntries(values.map((v, i) => [`${prefix}${i}`, String(v)]));
  const counts = [
    ...notNull.map((column, i) => `count(*) filter (where ${q(column)} is null)::bigint as n${i}`),
    ...accepted.map(
      ([column, values], a) =>
        `count(*) filter (where ${outside(column, values, `a${a}_`)})::bigint as a${a}`,
    ),
  ];
  const [found] = await session.query<Record<string, number>>(
    `select ${counts.join(", ")} from ${rel}`,
    Object.assign({}, ...accepted.map(([, values], a) => bound(values, `a${a}_`))),
  );
  for (const [i, column] of notNull.entries()) {
    const n = found?.[`n${i}`] ?? 0;
    if (n > 0)
      throw new Error(`model ${model}: column ${column} has ${n} null values (contract says not null)`);
  }
  for (const [a, [column, values]] of accepted.entries()) {
    if (!found?.[`a${a}`]) continue;
    const bad = await session.query<{ value: unknown }>(
      `select distinct ${q(column)}::varchar as value from ${rel} where ${outside(column, values, "v")} limit 3`,
      bound(values, "v"),
    );
    throw new Error(
      `model ${model}: column ${column} has values outside its accepted values: ${bad.map((b) => JSON.stringify(b.value)).join(", ")}`,
    );
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
