import { keyOf } from "../designStructure.ts";
import type { DomainEstimates, Item, ItemEstimate } from "../linearize/estimateItems.ts";
import { pointEstimate } from "../linearize/pointEstimate.ts";
import { col, columnsOf, queryColumns } from "../sql.ts";
import type { EstimateOptions, ReplicateDesign } from "../types.ts";
import { svrVar } from "./svrVar.ts";

/**
 * Domain estimates of linear items with replicate variances (R's svymean/svytotal/svyratio on a
 * `svrepdesign`, svyby subsets rows). Full-sample and replicate sums come from one aggregate
 * query: per replicate column (user-supplied weights) or per PSU (factor replicates, then
 * Σ_psu factor·sum in JS).
 */
export async function replicateItems(
  design: ReplicateDesign,
  items: Item[],
  options: EstimateOptions,
): Promise<DomainEstimates[]> {
  const by = options.by ?? [];
  if (by.length) {
    const available = await columnsOf(design.session, design.relation, design.params);
    for (const b of by)
      if (!available.includes(b)) throw new Error(`domain column "${b}" is not in the data`);
  }
  const rw = design.repweights;
  const R = design.replicates;
  const inner: string[] = ["*"];
  items.forEach((it, k) => {
    const ok =
      it.x !== undefined ? `(${it.y}) is not null and (${it.x}) is not null` : `(${it.y}) is not null`;
    inner.push(`case when ${ok} then (${it.y})::double end as "__y${k}"`);
    if (it.x !== undefined) inner.push(`case when ${ok} then (${it.x})::double end as "__x${k}"`);
  });
  const groups = by.map((b, i) => `${col(b)} as "__b${i}"`);
  if (rw.kind === "factors")
    groups.push(`${rw.parent.stratumExpr} as "__h"`, `${rw.parent.unitExprs[0]} as "__u0"`);
  const w = `"__bm_w"`;
  const aggs: string[] = ["count(*)"];
  items.forEach((it, k) => {
    const y = `"__y${k}"`;
    const x = `"__x${k}"`;
    const f = `filter (where ${y} is not null)`;
    aggs.push(
      `count(${y})`,
      `sum(${w}) ${f}`,
      `sum(${w} * ${y})`,
      `sum(${w} * ${w}) ${f}`,
      `sum(${w} * ${y} * ${y})`,
    );
    if (it.x !== undefined)
      aggs.push(`sum(${w} * ${x})`, `sum(${w} * ${x} * ${x})`, `sum(${w} * ${x} * ${y})`);
    if (rw.kind === "columns") {
      for (const c of rw.columns) {
        aggs.push(`sum(${col(c)} * ${y})`, `sum(${col(c)}) ${f}`);
        if (it.x !== undefined) aggs.push(`sum(${col(c)} * ${x})`);
      }
    }
  });
  const sql = `select ${groups.length ? `${groups.join(", ")}, ` : ""}${aggs.join(", ")} from (select ${inner.join(", ")} from ${design.relation}) ${groups.length ? "group by all" : ""}`;
  const q = await queryColumns(design.session, sql, { ...design.params });
  const C = q.columns;
  const num = (j: number, r: number) => (C[j]![r] as number | null) ?? 0;
  let j = groups.length;
  const jCount = j++;
  const pos = items.map((it) => {
    const p = {
      n: j++,
      sw: j++,
      swy: j++,
      sw2: j++,
      swyy: j++,
      swx: -1,
      swxx: -1,
      swxy: -1,
      rep: [] as { y: number; w: number; x: number }[],
    };
    if (it.x !== undefined) {
      p.swx = j++;
      p.swxx = j++;
      p.swxy = j++;
    }
    if (rw.kind === "columns")
      for (let r = 0; r < R; r++) p.rep.push({ y: j++, w: j++, x: it.x !== undefined ? j++ : -1 });
    return p;
  });
  // group rows by domain
  const domains = new Map<string, { by: Record<string, string | number | null> | null; rows: number[] }>();
  for (let r = 0; r < q.rows; r++) {
    const values = by.map((_, i) => C[i]![r] as string | number | null);
    if (values.some((v) => v === null || v === undefined)) continue;
    const key = keyOf(values);
    let d = domains.get(key);
    if (!d) {
      d = { by: by.length ? Object.fromEntries(by.map((b, i) => [b, values[i]!])) : null, rows: [] };
      domains.set(key, d);
    }
    d.rows.push(r);
  }
  const psuOf = (r: number): number => {
    if (rw.kind !== "factors") return -1;
    const u = rw.parent.structure.keys[0]!.get(keyOf([C[by.length]![r], C[by.length + 1]![r]]));
    if (u === undefined) throw new Error("a PSU is not in the design (the source changed?)");
    return u;
  };
  const out: DomainEstimates[] = [];
  const sorted = [...domains.values()].sort((a, b) => compare(a.by, b.by));
  for (const d of sorted) {
    const ests: ItemEstimate[] = [];
    const thetas: Float64Array[] = Array.from({ length: R }, () => new Float64Array(items.length));
    items.forEach((it, i) => {
      const p = pos[i]!;
      const m = { n: 0, sw: 0, swy: 0, sw2: 0, swyy: 0, swx: 0, swxx: 0, swxy: 0 };
      let missing = 0;
      const ty = new Float64Array(R);
      const tw = new Float64Array(R);
      const tx = new Float64Array(R);
      for (const r of d.rows) {
        m.n += num(p.n, r);
        missing += num(jCount, r) - num(p.n, r);
        m.sw += num(p.sw, r);
        m.swy += num(p.swy, r);
        m.sw2 += num(p.sw2, r);
        m.swyy += num(p.swyy, r);
        if (p.swx >= 0) {
          m.swx += num(p.swx, r);
          m.swxx += num(p.swxx, r);
          m.swxy += num(p.swxy, r);
        }
        if (rw.kind === "columns") {
          for (let rr = 0; rr < R; rr++) {
            const c = p.rep[rr]!;
            ty[rr]! += num(c.y, r);
            tw[rr]! += num(c.w, r);
            if (c.x >= 0) tx[rr]! += num(c.x, r);
          }
        } else {
          const u = psuOf(r);
          const sy = num(p.swy, r);
          const sw = num(p.sw, r);
          const sx = p.swx >= 0 ? num(p.swx, r) : 0;
          for (let rr = 0; rr < R; rr++) {
            const f = rw.factors[rr]![u]!;
            ty[rr]! += f * sy;
            tw[rr]! += f * sw;
            tx[rr]! += f * sx;
          }
        }
      }
      if (missing > 0 && !options.naRm) {
        const where = d.by ? ` in domain ${JSON.stringify(d.by)}` : "";
        throw new Error(
          `${it.label} has ${missing} missing value(s)${where}; set naRm to leave those rows out`,
        );
      }
      const pe = pointEstimate(it.kind, m);
      for (let rr = 0; rr < R; rr++) {
        thetas[rr]![i] =
          it.kind === "total" ? ty[rr]! : it.kind === "ratio" ? ty[rr]! / tx[rr]! : ty[rr]! / tw[rr]!;
      }
      const e: ItemEstimate = {
        estimate: pe.estimate,
        variance: Number.NaN,
        n: m.n,
        nEff: pe.nEff,
        deff: pe.vsrs,
        weightSum: m.sw,
      };
      if (it.kind === "proportion" && pe.estimate > 0 && pe.estimate < 1) {
        const logit = (p: number) => Math.log(p / (1 - p));
        const lt = thetas.map((t) => Float64Array.of(logit(t[i]!)));
        e.logitVariance = svrVar(lt, [logit(pe.estimate)], design.scale, design.rscales, design.mse)[0]![0]!;
      }
      ests.push(e);
    });
    const covariance = svrVar(
      thetas,
      ests.map((e) => e.estimate),
      design.scale,
      design.rscales,
      design.mse,
    );
    ests.forEach((e, i) => {
      e.variance = covariance[i]![i]!;
      e.deff = e.variance / e.deff;
    });
    // no satterthwaiteDf: on replicate designs df "satterthwaite" is the design's degf
    out.push({ by: d.by, items: ests, covariance, degf: design.degf });
  }
  return out;
}

function compare(a: Record<string, unknown> | null, b: Record<string, unknown> | null): number {
  if (!a || !b) return 0;
  for (const k of Object.keys(a)) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}
