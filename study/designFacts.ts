import type { StudyFile } from "./schema.ts";

/**
 * Whether the study's variance has a stage-2 term. R's multistage variance counts a later stage
 * only under an fpc at every stage above it, so: two or more stages named in `design.ids`, each
 * with its fpc (surveyDesign refuses fpc for some stages only). The two-village note of
 * index_estimates, the rates' quantiles on the methodology page and in the printed report ask it
 * of the study; analysis/reportingIntervals.ts's hasStageTwoVariance asks the same of the built
 * design, for the intervals themselves.
 *
 * @example stageTwoVariance({ design: { ids: ["village_code", "resp_id"], fpc: ["frame_pps", "frame_ssu"] } }) // true
 */
export function stageTwoVariance(def: { design: Pick<StudyFile["design"], "ids" | "fpc"> }): boolean {
  return (def.design.ids?.length ?? 1) >= 2 && def.design.fpc.length >= 2;
}
