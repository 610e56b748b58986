import {
  linearCalibration,
  type Margin,
  materializedDesign,
  postStratify,
  rake,
  surveyDesign,
  type TaylorDesign,
  trimWeights,
} from "../../analysis/index.ts";
import { quoteIdent, type Session } from "../../db/index.ts";
import type { Study } from "../../study/index.ts";
import type { ModelContext } from "../runner/loadModels.ts";

export const dependsOn = ["int_scores_wide"];

/** In study.yaml `design.fpc`, the number of PSUs of each stratum in the sampling frame. */
export const FRAME_PSUS = "frame_psus";

/**
 * In study.yaml `design.fpc` (with `pps: brewer`): each PSU's first-stage inclusion
 * probability, and the second stage's sampling fraction (respondents over the PSU's population).
 */
export const FRAME_PPS = "frame_pps";
export const FRAME_SSU = "frame_ssu";

/** The design columns of int_responses_base_weighted that study.yaml's fpc keywords name. */
const FPC_COLUMNS: Record<string, string> = {
  [FRAME_PSUS]: "psus_in_frame",
  [FRAME_PPS]: "psu_inclusion_prob",
  [FRAME_SSU]: "ssu_sampling_fraction",
};

/**
 * The design's stage ids: the wave-prefixed PSU, then any later stages study.yaml names (the
 * respondent id column under its model name, respondent_id, unique within the wave's PSU).
 */
export function designIds(study: Study): string[] {
  const later = (study.design.ids ?? []).slice(1);
  return ["design_psu", ...later.map((c) => (c === study.respondent_id ? "respondent_id" : c))];
}

/**
 * With `pps: brewer` the stages' inclusion probabilities come from the frame (`frame_pps`:
 * m_h N_hi / N_h; `frame_ssu`: respondents over the PSU's population) and must lie in (0, 1]:
 * a PSU with more respondents than its frame population, or so large that it would be drawn
 * with certainty, is named with its wave, counts and population (the engine would only see a
 * number out of range).
 */
async function checkInclusionProbabilities(session: Session, study: Study, source: string): Promise<void> {
  const columns = study.design.fpc.filter((f) => f === FRAME_PPS || f === FRAME_SSU);
  if (columns.length === 0) return;
  const bad = await session.query<{
    wave_id: string;
    psu_code: string;
    respondents: number;
    population: number;
    psu_inclusion_prob: number;
    ssu_sampling_fraction: number;
  }>(
    `select wave_id, psu_code, count(*)::integer as respondents,
            any_value(ssu_sampling_fraction) as ssu_sampling_fraction,
            any_value(psu_inclusion_prob) as psu_inclusion_prob,
            round(count(*) / any_value(ssu_sampling_fraction))::bigint as population
     from ${quoteIdent(source)}
     group by wave_id, psu_code
     having ${[
       columns.includes(FRAME_SSU) ? "any_value(ssu_sampling_fraction) > 1" : "false",
       columns.includes(FRAME_PPS) ? "any_value(psu_inclusion_prob) > 1" : "false",
     ].join(" or ")}
     order by wave_id, psu_code limit 5`,
  );
  if (bad.length === 0) return;
  const b = bad[0]!;
  throw new Error(
    b.ssu_sampling_fraction > 1 && columns.includes(FRAME_SSU)
      ? `wave ${b.wave_id}, PSU ${b.psu_code}: ${b.respondents} respondents but a population of ${b.population} in the frame (${study.frame.file}, column ${study.frame.population}), so frame_ssu = ${b.ssu_sampling_fraction.toFixed(3)} > 1: pps: brewer needs inclusion probabilities in (0, 1]${bad.length > 1 ? ` (and ${bad.length - 1} more PSUs)` : ""}`
      : `wave ${b.wave_id}, PSU ${b.psu_code}: frame_pps = m_h N_hi / N_h = ${b.psu_inclusion_prob.toFixed(3)} > 1 (a PSU that large is drawn with certainty; make it a stratum of its own in the frame): pps: brewer needs inclusion probabilities in (0, 1]${bad.length > 1 ? ` (and ${bad.length - 1} more PSUs)` : ""}`,
  );
}

/** It hands its calibrated design to the marts built on it (`shared`): a partial run rebuilds it with them. */
export const sharesState = true;

/** The calibrated design, handed to the marts that estimate from it. */
export const CALIBRATED_DESIGN = "calibrated_design";

/**
 * Each wave's margins: every wave is calibrated to the same census margins. Crossing the
 * margins with the wave makes one raking over all waves exactly the separate raking of each.
 */
export function marginsByWave(study: Study, waves: string[]): Margin[] {
  return study.calibration.margins.map((m) => ({
    variables: ["wave_id", ...m.variables],
    cells: waves.flatMap((w) => m.cells.map((c) => ({ levels: [w, ...c.levels], count: c.count }))),
  }));
}

/**
 * Calibrated weights through the statistics engine: the base-weighted design (strata and
 * PSUs per wave) post-stratified, raked or linearly calibrated (GREG, with bounds on the
 * ratio to the base weight if given) to the census margins of study.yaml, then trimmed per
 * wave if the study says so. The variance of every estimate from this design accounts for the
 * calibration as R's postStratify / rake do.
 */
export async function build({ session, study, ref, self, shared }: ModelContext): Promise<void> {
  await checkInclusionProbabilities(session, study, ref("int_scores_wide"));
  let design: TaylorDesign = await surveyDesign(session, {
    source: ref("int_scores_wide"),
    ids: designIds(study),
    strata: "design_stratum",
    weights: "base_weight",
    // "frame_psus": the stratum's PSUs in the frame, the first stage's finite-population
    // correction; "frame_pps" / "frame_ssu": the stages' inclusion probabilities, for pps: brewer
    fpc: study.design.fpc.map((f) => FPC_COLUMNS[f] ?? f),
    pps: study.design.pps,
    lonelyPsu: study.design.lonely_psu,
  });
  const waves = (
    await session.query<{ wave_id: string }>(
      `select distinct wave_id from ${quoteIdent(ref("int_scores_wide"))} order by 1`,
    )
  ).map((r) => r.wave_id);
  const margins = marginsByWave(study, waves);
  const { method, tolerance, max_iterations: maxIterations, trim, bounds } = study.calibration;
  if (waves.length > 0 && margins.length > 0) {
    if (method === "rake") design = await rake(design, margins, { tolerance, maxIterations });
    else if (method === "poststratify") {
      if (margins.length !== 1)
        throw new Error(
          `post-stratification takes one margin (a crossed variable); study.yaml lists ${margins.length}`,
        );
      design = await postStratify(design, margins[0]!);
    } else if (method === "linear")
      design = await linearCalibration(design, { margins, bounds: bounds ?? undefined });
  }
  // each wave's weights trimmed to [lower, upper] times that wave's mean weight, the excess
  // shared within the wave: a wave with larger weights (a larger population, a smaller
  // sample) is not trimmed by another wave's mean
  if (waves.length > 0 && trim)
    design = await trimWeights(design, {
      lower: trim.lower,
      upper: trim.upper,
      relativeTo: { column: "wave_id" },
    });
  // its rows once as a table: every mart built on it reads them many times over
  design = await materializedDesign(design, `__bm_calibrated__${study.id}`);
  shared.set(CALIBRATED_DESIGN, design);
  await session.run(
    `create or replace table ${quoteIdent(self)} as
     select wave_id, respondent_id, stratum_code, psu_code, design_stratum, design_psu, base_weight, "__bm_w" as weight
     from ${design.relation}`,
    design.params,
  );
}
