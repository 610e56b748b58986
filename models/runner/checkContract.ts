import type { Session } from "../../db/index.ts";
import { quoteIdent } from "../../db/index.ts";
import type { Contract } from "./loadModels.ts";

/**
 * Check a model's contract on the relation it just built: the key is unique and not null,
 * listed columns are not null, accepted values hold, and every invariant query returns no
 * rows. Throws a message naming the model, the rule and an example.
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
  const key = contract.key.map(q).join(", ");
  const dup = await session.query<Record<string, unknown>>(
    `select ${key}, count(*)::bigint as n from ${rel} group by all having count(*) > 1 limit 1`,
  );
  if (dup[0])
    throw new Error(
      `model ${model}: key (${contract.key.join(", ")}) is not unique, e.g. ${JSON.stringify(dup[0], jsonSafe)}`,
    );
  for (const column of [...new Set([...contract.key, ...contract.not_null])]) {
    const [row] = await session.query<{ n: number }>(
      `select count(*)::bigint as n from ${rel} where ${q(column)} is null`,
    );
    if (row && row.n > 0)
      throw new Error(`model ${model}: column ${column} has ${row.n} null values (contract says not null)`);
  }
  for (const [column, values] of Object.entries(contract.accepted_values)) {
    const placeholders = values.map((_, i) => `$v${i}`).join(", ");
    const bound = Object.fromEntries(values.map((v, i) => [`v${i}`, String(v)]));
    const bad = await session.query<{ value: unknown }>(
      `select distinct ${q(column)}::varchar as value from ${rel} where ${q(column)} is not null and ${q(column)}::varchar not in (${placeholders}) limit 3`,
      bound,
    );
    if (bad.length)
      throw new Error(
        `model ${model}: column ${column} has values outside its accepted values: ${bad.map((b) => JSON.stringify(b.value)).join(", ")}`,
      );
  }
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

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
