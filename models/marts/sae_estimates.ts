import { qnorm } from "../../analysis/distributions/qnorm.ts";
import type { AreaFigure, VillageInput } from "../../analysis/sae/smallAreaFigures.ts";
import { quoteIdent, timeSlicer } from "../../db/index.ts";
import type { Study } from "../../study/index.ts";
import type { ModelContext } from "../runner/loadModels.ts";
import { offThread } from "../runner/offThread.ts";
import { writeRows } from "../seeds/writeRows.ts";

export const dependsOn = ["int_index_scores", "int_responses_calibrated", "int_unit_estimates", "seed_units"];

/** A rate (a proportion) is modelled on the arcsine scale, a mean as it is. */
const isRate = (study: Study, id: string) =>
  study.indicatorInfos.some((i) => i.id === id && i.estimator === "proportion");

interface VillageStat {
  wave_id: string;
  score_key: string;
  index_id: string;
  organization_id: string;
  level: string;
  psu_code: string;
  n: number;
  sw: number;
  sw2: number;
  swy: number;
  swy2: number;
}

interface DirectRow {
  wave_id: string;
  organization_id: string;
  index_id: string;
  org_level: string;
  unit_level: string;
  unit_code: string;
  estimate_0_100: number;
  se_0_100: number;
  n: number;
  n_eff: number;
}

/**
 * Small-area estimates (study.yaml `small_area`): for each modelled index, organization,
 * organization level and wave, the two-level Fay–Herriot model over the frame's villages
 * (analysis/sae `smallAreaFigures`) gives every village (sampled: `fay_herriot`; without
 * respondents: `synthetic`) and every township a model-based figure with bootstrap MSE and
 * interval, beside the direct estimate. Direct rows are written too where the unit level
 * publishes them; `is_primary` marks the figure the unit level's `primary` names. Also writes
 * sae_diagnostics__<study> (one row per model: variances, coefficients, shrinkage, residual checks).
 */
export async function build({ session, study, ref, self }: ModelContext): Promise<void> {
  const config = study.small_area;
  const rows: Record<string, unknown>[] = [];
  const diagnostics: Record<string, unknown>[] = [];
  if (config) {
    const stats = await session.query<VillageStat>(
      `with scored as (
         select s.wave_id, s.score_key, s.index_id, s.organization_id, s.level, c.psu_code, c.weight, s.score_0_100 as y
         from ${quoteIdent(ref("int_index_scores"))} s
         join ${quoteIdent(ref("int_responses_calibrated"))} c using (wave_id, respondent_id)
         where s.aspect = '' and list_contains(string_split($indices, ','), s.index_id)
       )
       select wave_id, score_key, index_id, organization_id, level, psu_code,
              count(*)::integer as n, sum(weight) as sw, sum(weight * weight) as sw2,
              sum(weight * y) as swy, sum(weight * y * y) as swy2
       from scored
       group by all
       order by wave_id, score_key, psu_code`,
      { indices: config.indices.join(",") },
    );
    const direct = await session.query<DirectRow>(
      `select wave_id, organization_id, index_id, org_level, unit_level, unit_code, estimate_0_100, se_0_100, n, n_eff
       from ${quoteIdent(ref("int_unit_estimates"))}
       where aspect = '' and unit_level in ('district', 'township')`,
    );
    const directKey = (d: {
      wave_id: string;
      organization_id: string;
      index_id: string;
      org_level: string;
      unit_level: string;
      unit_code: string;
    }) => [d.wave_id, d.organization_id, d.index_id, d.org_level, d.unit_level, d.unit_code].join("|");
    const directBy = new Map(direct.map((d) => [directKey(d), d]));
    const groups = new Map<string, VillageStat[]>();
    for (const s of stats) {
      const k = `${s.wave_id}|${s.score_key}`;
      const list = groups.get(k);
      if (list) list.push(s);
      else groups.set(k, [s]);
    }
    // every group's model on the compute thread (queued there in order), each written as it comes back
    const slice = timeSlicer();
    const designs = new Map<string, number[][]>();
    const prepared = [];
    for (const list of groups.values()) {
      await slice();
      const first = list[0]!;
      const byVillage = new Map(list.map((s) => [s.psu_code, s]));
      let design = designs.get(first.organization_id);
      if (!design) {
        design = covariateRows(study, first.organization_id);
        designs.set(first.organization_id, design);
      }
      const villages: VillageInput[] = study.units.map((u, i) => {
        const s = byVillage.get(u.psu);
        const mean = s ? s.swy / s.sw : null;
        return {
          code: u.psu,
          township: u.stratum,
          population: u.population,
          x: design[i]!,
          n: s?.n ?? 0,
          nEff: s ? (s.sw * s.sw) / s.sw2 : 0,
          direct: mean,
          withinVariance: s && mean !== null ? Math.max(s.swy2 / s.sw - mean * mean, 0) : null,
        };
      });
      const place = {
        wave_id: first.wave_id,
        organization_id: first.organization_id,
        index_id: first.index_id,
        org_level: first.level,
      };
      const district = directBy.get(directKey({ ...place, unit_level: "district", unit_code: "" }));
      const result = offThread("smallAreaFigures", {
        kind: isRate(study, first.index_id) ? "rate" : "mean",
        villages,
        district: district ? { estimate: district.estimate_0_100, se: district.se_0_100 } : null,
        benchmark: config.benchmark,
        reps: config.bootstrap_reps,
        seed: config.seed,
        level: study.reporting.confidence_level,
      });
      prepared.push({ list, first, byVillage, place, result });
      // each group's input is copied to the compute thread: a turn for the server after each
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const z = qnorm(1 - (1 - study.reporting.confidence_level) / 2);
    const parentOf = new Map(study.units.map((u) => [u.psu, u.stratum]));
    for (const p of prepared) {
      const { list, first, byVillage, place } = p;
      const result = await p.result;
      await slice();
      const emit = (
        unitLevel: "township" | "village",
        f: AreaFigure,
        n: number,
        nEff: number,
        d: DirectRow | undefined,
      ) => {
        const conf = config.unit_levels[unitLevel];
        const directEstimate = unitLevel === "village" ? f.direct : (d?.estimate_0_100 ?? null);
        const directSe = unitLevel === "village" ? f.directSe : (d?.se_0_100 ?? null);
        const minN = unitLevel === "village" ? study.reporting.village_min_n : study.reporting.min_n;
        const hasDirect = directEstimate !== null && directSe !== null;
        // written out field by field: tens of thousands of rows a run
        const row = (fields: {
          method: string;
          estimate_0_100: number;
          mse_0_100: number;
          rmse_0_100: number;
          rrmse: number;
          ci_low_0_100: number;
          ci_high_0_100: number;
          shrinkage: number | null;
          is_primary: boolean;
          is_withheld: boolean;
          withheld_reason: string;
        }) => ({
          wave_id: place.wave_id,
          organization_id: place.organization_id,
          index_id: place.index_id,
          org_level: place.org_level,
          unit_level: unitLevel,
          unit_code: f.code,
          parent_code: unitLevel === "village" ? parentOf.get(f.code)! : "",
          method: fields.method,
          estimate_0_100: fields.estimate_0_100,
          mse_0_100: fields.mse_0_100,
          rmse_0_100: fields.rmse_0_100,
          rrmse: fields.rrmse,
          ci_low_0_100: fields.ci_low_0_100,
          ci_high_0_100: fields.ci_high_0_100,
          direct_0_100: directEstimate,
          direct_se_0_100: directSe,
          shrinkage: fields.shrinkage,
          is_sampled: f.sampled,
          n,
          n_eff: nEff,
          is_primary: fields.is_primary,
          is_withheld: fields.is_withheld,
          withheld_reason: fields.withheld_reason,
        });
        const modelPrimary = conf.primary === "model" || !hasDirect;
        if (conf.publish !== "direct" || !hasDirect) {
          const rmse = Math.sqrt(f.mse);
          const rrmse = f.estimate > 0 ? rmse / f.estimate : Number.POSITIVE_INFINITY;
          rows.push(
            row({
              method: unitLevel === "township" || f.sampled ? "fay_herriot" : "synthetic",
              estimate_0_100: f.estimate,
              mse_0_100: f.mse,
              rmse_0_100: rmse,
              rrmse,
              ci_low_0_100: f.ciLow,
              ci_high_0_100: f.ciHigh,
              shrinkage: f.shrinkage,
              is_primary: modelPrimary,
              is_withheld: rrmse > config.max_rrmse,
              withheld_reason: rrmse > config.max_rrmse ? "rrmse" : "",
            }),
          );
        }
        if (conf.publish !== "model" && hasDirect) {
          const rse = directEstimate > 0 ? directSe / directEstimate : Number.POSITIVE_INFINITY;
          const reason = n < minN ? "min_n" : rse > study.reporting.max_rse ? "rse" : "";
          rows.push(
            row({
              method: "direct",
              estimate_0_100: directEstimate,
              mse_0_100: directSe ** 2,
              rmse_0_100: directSe,
              rrmse: rse,
              ci_low_0_100: Math.max(directEstimate - z * directSe, 0),
              ci_high_0_100: Math.min(directEstimate + z * directSe, 100),
              shrinkage: null,
              is_primary: !modelPrimary,
              is_withheld: reason !== "",
              withheld_reason: reason,
            }),
          );
        }
      };
      result.villages.forEach((f) => {
        const s = byVillage.get(f.code);
        emit("village", f, s?.n ?? 0, s ? (s.sw * s.sw) / s.sw2 : 0, undefined);
      });
      result.townships.forEach((f) => {
        const d = directBy.get(directKey({ ...place, unit_level: "township", unit_code: f.code }));
        const n = list.filter((s) => parentOf.get(s.psu_code) === f.code).reduce((a, s) => a + s.n, 0);
        emit("township", f, d?.n ?? n, d?.n_eff ?? 0, d);
      });
      const big = result.townships
        .map((t) => ({
          t,
          d: directBy.get(directKey({ ...place, unit_level: "township", unit_code: t.code })),
        }))
        .filter((p) => p.d && p.d.n >= study.reporting.min_n);
      const g = result.diagnostics;
      diagnostics.push({
        ...place,
        kind: isRate(study, first.index_id) ? "rate" : "mean",
        bootstrap_reps: config.bootstrap_reps,
        max_rrmse: config.max_rrmse,
        covariates: JSON.stringify(covariateNames(study, first.organization_id)),
        coefficients: JSON.stringify(g.coefficients),
        sigma2_township: g.sigma2Township,
        sigma2_village: g.sigma2Village,
        villages_sampled: g.villagesSampled,
        mean_shrinkage: g.meanShrinkage,
        residual_mean: g.residualMean,
        residual_sd: g.residualSd,
        qq_correlation: Number.isFinite(g.qqCorrelation) ? g.qqCorrelation : null,
        gvf_variance: g.gvfVariance,
        benchmark_error: g.benchmarkError,
        townships_compared: big.length,
        model_vs_direct_rmsd:
          big.length > 0
            ? Math.sqrt(big.reduce((a, p) => a + (p.t.estimate - p.d!.estimate_0_100) ** 2, 0) / big.length)
            : null,
      });
    }
  }
  await writeRows(
    session,
    self,
    {
      wave_id: "varchar",
      organization_id: "varchar",
      index_id: "varchar",
      org_level: "varchar",
      unit_level: "varchar",
      unit_code: "varchar",
      parent_code: "varchar",
      method: "varchar",
      estimate_0_100: "double",
      mse_0_100: "double",
      rmse_0_100: "double",
      rrmse: "double",
      ci_low_0_100: "double",
      ci_high_0_100: "double",
      direct_0_100: "double",
      direct_se_0_100: "double",
      shrinkage: "double",
      is_sampled: "boolean",
      n: "integer",
      n_eff: "double",
      is_primary: "boolean",
      is_withheld: "boolean",
      withheld_reason: "varchar",
    },
    rows,
  );
  await writeRows(
    session,
    ref("sae_diagnostics"),
    {
      wave_id: "varchar",
      organization_id: "varchar",
      index_id: "varchar",
      org_level: "varchar",
      kind: "varchar",
      bootstrap_reps: "integer",
      max_rrmse: "double",
      covariates: "varchar",
      coefficients: "varchar",
      sigma2_township: "double",
      sigma2_village: "double",
      villages_sampled: "integer",
      mean_shrinkage: "double",
      residual_mean: "double",
      residual_sd: "double",
      qq_correlation: "double",
      gvf_variance: "double",
      benchmark_error: "double",
      townships_compared: "integer",
      model_vs_direct_rmsd: "double",
    },
    diagnostics,
  );
}

/** Names of the design matrix's columns: intercept, then each covariate (a categorical one gives one column per level beyond the first). */
function covariateNames(study: Study, organization: string): string[] {
  const names = ["(Intercept)"];
  for (const c of study.small_area?.covariates ?? []) {
    const column = c.column.replaceAll("{organization}", organization);
    if (c.type !== "categorical") names.push(c.type === "numeric" ? column : `${c.type}(${column})`);
    else for (const level of levelsOf(study, column).slice(1)) names.push(`${column}=${level}`);
  }
  return names;
}

function levelsOf(study: Study, column: string): string[] {
  return [...new Set(study.units.map((u) => u.columns[column] ?? ""))].sort((a, b) =>
    a.localeCompare(b, "en", { numeric: true }),
  );
}

/** One design row per frame unit, in frame order, for one organization's model. */
function covariateRows(study: Study, organization: string): number[][] {
  const rows = study.units.map(() => [1]);
  for (const c of study.small_area?.covariates ?? []) {
    const column = c.column.replaceAll("{organization}", organization);
    const levels = c.type === "categorical" ? levelsOf(study, column) : [];
    study.units.forEach((u, i) => {
      const raw = u.columns[column] ?? "";
      if (c.type === "categorical") {
        for (const level of levels.slice(1)) rows[i]!.push(raw === level ? 1 : 0);
        return;
      }
      const v = Number(raw);
      if (raw === "" || !Number.isFinite(v) || (c.type === "log" && v <= 0)) {
        throw new Error(
          `small_area covariate ${c.column}: frame unit ${u.psu} has ${JSON.stringify(raw)}, not a ${c.type === "log" ? "positive " : ""}number`,
        );
      }
      rows[i]!.push(c.type === "log" ? Math.log(v) : v);
    });
  }
  return rows;
}
