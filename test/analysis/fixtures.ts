import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Margin } from "../../analysis/index.ts";
import { type Session, sessionOf } from "../../db/Database.ts";

export const FIXTURES = join(import.meta.dirname, "..", "fixtures", "r-survey");

export type Num = number | string | null;
export interface FixtureResult {
  by: Record<string, string> | null;
  estimate: Num;
  se: Num;
  ci_low: Num;
  ci_high: Num;
  df: Num;
  deff: Num;
  n: number;
  n_eff: Num;
  p?: Num;
  /** proportions: R's svymean of the indicator, where svyciprop's IRLS estimate stops short */
  estimate_svymean?: Num;
}
export interface Fixture {
  case: string;
  r_call: string;
  data: string;
  design: {
    ids: string[];
    strata: string | null;
    weights: string | null;
    probs: string | null;
    fpc: string[];
    nest: boolean;
    lonely_psu: "fail" | "certainty" | "adjust" | "average" | "remove";
    /** R's svydesign(pps = "brewer"): fpc holds inclusion probabilities */
    pps?: "brewer";
  };
  replicates: { type: string; scale: Num; rscales: Num[]; mse: boolean; weights_file: string } | null;
  calibration: {
    method: "poststratify" | "rake" | "linear";
    margins?: Record<string, Record<string, number>> | null;
    population?: Record<string, Num>;
    formula?: string;
    epsilon?: Num;
    iterations?: number;
  } | null;
  estimator: "mean" | "total" | "prop" | "ratio" | "quantile";
  variable: string | { num: string; den: string };
  by: string[] | null;
  na_rm: boolean;
  ci: string;
  level: number;
  degf: number;
  quantiles?: number[];
  weights?: number[];
  results: FixtureResult[];
}

export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), "utf8")) as Fixture);
}

export const num = (v: Num | undefined): number =>
  v === "Inf"
    ? Number.POSITIVE_INFINITY
    : v === "-Inf"
      ? Number.NEGATIVE_INFINITY
      : v === null || v === undefined
        ? Number.NaN
        : Number(v);

/** An in-memory DuckDB with the fixture data sets loaded as tables named after their files. */
export async function fixtureSession(): Promise<Session> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const session = sessionOf(connection);
  for (const f of readdirSync(join(FIXTURES, "data"))) {
    if (!f.endsWith(".csv")) continue;
    const name = f.replace(/\.csv$/, "");
    const path = join(FIXTURES, "data", f);
    const header = readFileSync(path, "utf8").split("\n", 1)[0]!.split(",");
    const types = header.includes("cds") ? ", types = {'cds': 'VARCHAR'}" : "";
    await session.run(
      `create table "${name}" as select * from read_csv(?, header = true, nullstr = '', auto_type_candidates = ['BIGINT', 'DOUBLE', 'VARCHAR']${types})`,
      [path],
    );
  }
  return session;
}

/** Population counts of apipop (R's api data) by school type and by sch_wide: calibration margins. */
export const API_MARGINS: Margin[] = [
  {
    variables: ["stype"],
    cells: [
      { levels: ["E"], count: 4421 },
      { levels: ["H"], count: 755 },
      { levels: ["M"], count: 1018 },
    ],
  },
  {
    variables: ["sch_wide"],
    cells: [
      { levels: ["No"], count: 1072 },
      { levels: ["Yes"], count: 5122 },
    ],
  },
];
