import type { Session } from "../db/index.ts";
import type { MessageKey } from "../messages/catalogue.ts";
import { CHECKED } from "./buildValidation.ts";
import type { ErrorSummary } from "./IngestResult.ts";
import { rejectSentence } from "./rejectSentence.ts";

/** The failing rows (CHECKED) by reason and column, commonest first, each with its first five rows as sentences. */
export async function summarizeErrors(
  tx: Session,
  reasons: readonly { key: MessageKey; column: string; zh: string; en: string }[],
): Promise<ErrorSummary[]> {
  const rows = await tx.query<{
    k: MessageKey;
    c: string;
    n: number;
    first: { row: number; value: string | null }[];
  }>(
    `select e.k as k, e.c as c, count(*)::bigint as n,
            list({'row': source_row, 'value': e.v} order by source_row)[1:5] as first
     from (select source_row, unnest(errors) as e from ${CHECKED})
     group by all order by n desc, k, c`,
  );
  return rows.map((r) => {
    const text = reasons.find((x) => x.key === r.k && x.column === r.c);
    return {
      reason: r.k,
      column: r.c,
      count: r.n,
      message: { zh: text?.zh ?? r.k, en: text?.en ?? r.k },
      first: r.first.map((f) => ({
        row: Number(f.row),
        value: f.value,
        ...rejectSentence(Number(f.row), r.c, f.value, { zh: text?.zh ?? r.k, en: text?.en ?? r.k }),
      })),
    };
  });
}
