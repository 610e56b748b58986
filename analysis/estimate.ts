import type { Item } from "./linearize/estimateItems.ts";
import { type DomainEstimates, estimateItems } from "./linearize/estimateItems.ts";
import { replicateItems } from "./replicates/replicateItems.ts";
import type { EstimateOptions, SurveyDesign } from "./types.ts";

/** Domain estimates of linear items on either kind of design (Taylor or replicate). */
export function estimate(
  design: SurveyDesign,
  items: Item[],
  options: EstimateOptions,
): Promise<DomainEstimates[]> {
  if (options.by && new Set(options.by).size !== options.by.length)
    throw new Error("a domain column is repeated in by");
  if (design.kind === "taylor") return estimateItems(design, items, options);
  return replicateItems(design, items, options);
}
