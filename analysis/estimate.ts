import type { Item } from "./linearize/estimateItems.ts";
import { type DomainEstimates, estimateItemsBySets } from "./linearize/estimateItems.ts";
import { replicateItems } from "./replicates/replicateItems.ts";
import type { EstimateOptions, SurveyDesign } from "./types.ts";

/** Domain estimates of linear items on either kind of design (Taylor or replicate). */
export async function estimate(
  design: SurveyDesign,
  items: Item[],
  options: EstimateOptions,
): Promise<DomainEstimates[]> {
  const [domains] = await estimateBySets(design, items, [options.by ?? []], options);
  return domains!;
}

/**
 * `estimate` for several domain sets (`options.by` is ignored): on a Taylor design one pass over
 * the rows for all sets (see `estimateItemsBySets`), on a replicate design one per set.
 */
export async function estimateBySets(
  design: SurveyDesign,
  items: Item[],
  bySets: string[][],
  options: EstimateOptions,
): Promise<DomainEstimates[][]> {
  for (const by of bySets)
    if (new Set(by).size !== by.length) throw new Error("a domain column is repeated in by");
  const only = options.only;
  if (only && !bySets.every((by) => by.includes(only.column)))
    throw new Error(`only: every domain set must include the column "${only.column}"`);
  if (design.kind === "taylor") return estimateItemsBySets(design, items, bySets, options);
  const out: DomainEstimates[][] = [];
  const values = new Set(only?.values.map(String));
  for (const by of bySets) {
    const domains = await replicateItems(design, items, { ...options, by });
    out.push(only ? domains.filter((d) => values.has(String(d.by?.[only.column]))) : domains);
  }
  return out;
}
