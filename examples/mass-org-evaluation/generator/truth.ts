/**
 * The true population values of every index, computed directly from the population's answers
 * with plain loops. This is the yardstick the estimation code is checked against, so it shares
 * no code with it: only the index definitions (the defaults in study.yaml) are the same.
 *
 * - awareness: % answering 1 ("don't know" counts as not aware); awareness_village likewise
 *   from the village item;
 * - participation: % answering 1;
 * - approval: per person, the mean of their non-9 aspects rescaled (x − 1) / 4 × 100, people
 *   with no such aspect leaving the base; approval_<aspect>: each aspect on its own;
 * - satisfaction: mean of non-9 answers rescaled; satisfaction_pct: % of non-9 answers in 4–5;
 * - composite: 0.2 awareness + 0.2 participation + 0.3 approval + 0.3 satisfaction ("2026.1").
 */
import { ASPECTS, COMPOSITE, DONT_KNOW, ORGANIZATIONS, orgItems, WAVES, type WaveId } from "./constants.ts";
import type { Population } from "./population.ts";

export const TRUTH_INDICES = [
  "awareness",
  "awareness_village",
  "participation",
  "approval",
  ...ASPECTS.map((a) => `approval_${a}`),
  "satisfaction",
  "satisfaction_pct",
  "composite",
] as const;

export const TRUTH_GROUPS = [
  { variable: "sex", values: [1, 2] },
  { variable: "age_group", values: [1, 2, 3, 4] },
  { variable: "urban_rural", values: [1, 2] },
  { variable: "union_member", values: [1, 2] },
] as const;

export interface TruthRow {
  wave: WaveId;
  organization: string;
  index: string;
  level: "district" | "township" | "village";
  /** "" for the district. */
  unitCode: string;
  /** "" when not a breakdown. */
  groupVar: string;
  groupValue: string;
  /** 0–100; null when nobody is in the base. */
  value: number | null;
  /** People in the base of the value. */
  nPopulation: number;
}

/** Sums and counts per cell: 0 district, 1–10 the groups, then townships, then villages. */
class Cells {
  readonly sum: Float64Array;
  readonly count: Float64Array;
  constructor(n: number) {
    this.sum = new Float64Array(n);
    this.count = new Float64Array(n);
  }
  add(cells: Int32Array, value: number): void {
    for (let k = 0; k < cells.length; k++) {
      const c = cells[k]!;
      this.sum[c] = this.sum[c]! + value;
      this.count[c] = this.count[c]! + 1;
    }
  }
  mean(c: number): number | null {
    return this.count[c]! > 0 ? this.sum[c]! / this.count[c]! : null;
  }
}

export function computeTruth(population: Population): TruthRow[] {
  const { people, townships, villages } = population;
  const nGroupCells = TRUTH_GROUPS.reduce((s, g) => s + g.values.length, 0);
  const firstTownship = 1 + nGroupCells;
  const firstVillage = firstTownship + townships.length;
  const nCells = firstVillage + villages.length;
  const rescale = (x: number): number => ((x - 1) / 4) * 100;

  const rows: TruthRow[] = [];
  const cells = new Int32Array(7); // district, four groups, township, village
  for (const wave of WAVES) {
    for (const org of ORGANIZATIONS) {
      const items = orgItems(org.prefix);
      const a = population.answers[wave];
      const awT = a[items.awarenessTownship]!;
      const awV = a[items.awarenessVillage]!;
      const pa = a[items.participation]!;
      const ap = ASPECTS.map((k) => a[items.approval[k]]!);
      const sa = a[items.satisfaction]!;
      const acc: Record<string, Cells> = {};
      for (const index of TRUTH_INDICES) acc[index] = new Cells(nCells);
      const aspectAcc = ASPECTS.map((k) => acc[`approval_${k}`]!);

      for (let i = 0; i < people.size; i++) {
        cells[0] = 0;
        cells[1] = 1 + (people.sex[i]! - 1);
        cells[2] = 3 + (people.ageGroup[i]! - 1);
        cells[3] = 7 + (people.urbanRural[i]! - 1);
        cells[4] = 9 + (people.unionMember[i]! - 1);
        cells[5] = firstTownship + people.township[i]!;
        cells[6] = firstVillage + people.village[i]!;
        acc.awareness!.add(cells, awT[i] === 1 ? 100 : 0);
        acc.awareness_village!.add(cells, awV[i] === 1 ? 100 : 0);
        acc.participation!.add(cells, pa[i] === 1 ? 100 : 0);
        let sum = 0;
        let n = 0;
        for (let k = 0; k < ASPECTS.length; k++) {
          const x = ap[k]![i]!;
          if (x === DONT_KNOW) continue;
          aspectAcc[k]!.add(cells, rescale(x));
          sum += x;
          n += 1;
        }
        if (n > 0) acc.approval!.add(cells, rescale(sum / n));
        const s = sa[i]!;
        if (s !== DONT_KNOW) {
          acc.satisfaction!.add(cells, rescale(s));
          acc.satisfaction_pct!.add(cells, s >= 4 ? 100 : 0);
        }
      }

      const w = COMPOSITE.weights;
      for (let c = 0; c < nCells; c++) {
        const parts = [
          acc.awareness!.mean(c),
          acc.participation!.mean(c),
          acc.approval!.mean(c),
          acc.satisfaction!.mean(c),
        ];
        if (parts.some((p) => p === null)) continue;
        const [aw, pa_, ap_, sa_] = parts as number[];
        acc.composite!.sum[c] =
          w.awareness * aw! + w.participation * pa_! + w.approval * ap_! + w.satisfaction * sa_!;
        acc.composite!.count[c] = 1;
      }

      for (const index of TRUTH_INDICES) {
        const cell = acc[index]!;
        const base = { wave, organization: org.id, index };
        // Composite's base is everybody in the unit (its count above is only a marker).
        const n = (c: number): number => (index === "composite" ? acc.awareness!.count[c]! : cell.count[c]!);
        const value = (c: number): number | null => cell.mean(c);
        rows.push({
          ...base,
          level: "district",
          unitCode: "",
          groupVar: "",
          groupValue: "",
          value: value(0),
          nPopulation: n(0),
        });
        let c = 1;
        for (const group of TRUTH_GROUPS) {
          for (const v of group.values) {
            rows.push({
              ...base,
              level: "district",
              unitCode: "",
              groupVar: group.variable,
              groupValue: String(v),
              value: value(c),
              nPopulation: n(c),
            });
            c++;
          }
        }
        for (const t of townships) {
          const ct = firstTownship + t.index;
          rows.push({
            ...base,
            level: "township",
            unitCode: t.code,
            groupVar: "",
            groupValue: "",
            value: value(ct),
            nPopulation: n(ct),
          });
        }
        if (index === "awareness_village") {
          for (const v of villages) {
            const cv = firstVillage + v.index;
            rows.push({
              ...base,
              level: "village",
              unitCode: v.code,
              groupVar: "",
              groupValue: "",
              value: value(cv),
              nPopulation: n(cv),
            });
          }
        }
      }
    }
  }
  return rows;
}
