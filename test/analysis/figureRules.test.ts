import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { qnorm } from "../../analysis/distributions/qnorm.ts";
import { FIGURE_RULE_MACROS, withheldReason } from "../../analysis/figureRules.ts";

// the one suppression rule and change p-value, as TypeScript and as the marts' DuckDB macros
describe("figure rules (analysis/figureRules.ts)", async () => {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  for (const macro of FIGURE_RULE_MACROS) await connection.run(macro);
  const sql = async (expression: string): Promise<unknown> =>
    (await connection.runAndReadAll(`select ${expression} as v`)).getRowObjects()[0]!.v;

  const rules = { minN: 30, maxRse: 0.3 };
  // n, estimate, se, expected: hand-worked around each edge of the rule
  const cases: [number, number, number, string][] = [
    [29, 50, 1, "min_n"], // too few, however precise
    [30, 50, 1, ""], // rse 0.02
    [30, 50, 15, ""], // rse exactly 0.3: not above
    [30, 50, 15.5, "max_rse"], // rse 0.31
    [100, 0, 0, "max_rse"], // a 0% figure has no relative SE
    [100, -10, 2, ""], // a signed estimate (notebooks): |se / estimate| 0.2
    [100, -10, 4, "max_rse"], // |se / estimate| 0.4
  ];
  it.each(cases)("n %d, estimate %d, se %d: %j in TypeScript and SQL", async (n, estimate, se, reason) => {
    expect(withheldReason(n, estimate, se, rules)).toBe(reason);
    expect(await sql(`withheld_reason(${n}, ${estimate}::double, ${se}::double, 30, 0.3)`)).toBe(reason);
  });

  it("p_two_sided: 2(1 - Phi(|z|)) within erfcc's 1.2e-7, exact differences 1 or 0", async () => {
    for (const [p, diff, se] of [
      [0.05, qnorm(0.975) * 2, 2],
      [0.01, -qnorm(0.995) * 3, 3],
      [0.5, qnorm(0.75), 1],
      [1, 0, 1],
    ] as const) {
      const got = (await sql(`p_two_sided(${diff}::double, ${se}::double)`)) as number;
      expect(Math.abs(got - p) / p).toBeLessThan(1.2e-7);
    }
    expect(await sql("p_two_sided(0::double, 0::double)")).toBe(1);
    expect(await sql("p_two_sided(2.5::double, 0::double)")).toBe(0);
    expect(await sql("p_two_sided(2.5::double, null::double)")).toBe(0);
  });
});
