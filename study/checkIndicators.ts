import type { Codebook } from "./codebook.ts";
import { parseExpression, referencedItems } from "./expression.ts";
import { compositesOf, scoreDefinitions } from "./indicators.ts";
import type { StudyFile } from "./schema.ts";

/**
 * Check the declared indicators and the composites against each other, the organizations and
 * the latest codebook. Every error names the field of study.yaml and the value.
 */
export function checkIndicators(
  def: StudyFile,
  latest: Codebook,
  orgIds: ReadonlySet<string>,
  requireItem: (name: string, field: string) => void,
): void {
  const fail = (field: string, text: string): never => {
    throw new Error(`study.yaml, field ${field}: ${text}`);
  };
  const presetIds = new Set<string>(def.indices.map((ix) => ix.index));
  if (presetIds.has("approval")) presetIds.add("approval_aspect");
  if (presetIds.has("satisfaction")) presetIds.add("satisfaction_pct");
  const compositeIds = new Set(compositesOf(def).map((c) => c.id));
  const seen = new Set<string>();
  def.indicators.forEach((ind, i) => {
    const at = `indicators[${i}]`;
    if (seen.has(ind.id) || presetIds.has(ind.id) || compositeIds.has(ind.id))
      fail(
        `${at}.id`,
        `the id ${JSON.stringify(ind.id)} is used twice (indicators, indices and composites share ids)`,
      );
    seen.add(ind.id);
    if (ind.id.includes("__")) fail(`${at}.id`, `an id may not contain "__" (${JSON.stringify(ind.id)})`);
    if (ind.organization !== undefined && !orgIds.has(ind.organization))
      fail(
        `${at}.organization`,
        `unknown organization ${JSON.stringify(ind.organization)} (known: ${[...orgIds].join(", ") || "none"})`,
      );
    for (const [j, item] of ind.items.entries()) requireItem(item, `${at}.items[${j}]`);
    if ((ind.kind === "share" || ind.kind === "top_box") && ind.codes.length === 0)
      fail(`${at}.codes`, `a ${ind.kind} counts the answers in codes; none are given`);
    if (ind.kind === "top_box" && ind.codes.some((c) => !Number.isFinite(Number(c))))
      fail(`${at}.codes`, `top_box codes are points of a numeric scale, found ${JSON.stringify(ind.codes)}`);
    if ((ind.kind === "mean" || ind.kind === "mean_of_items") && !ind.scale)
      fail(`${at}.scale`, `a ${ind.kind} needs its answer scale ({ min, max })`);
    if (ind.scale && !(ind.scale.max > ind.scale.min))
      fail(`${at}.scale`, `max must be above min (${ind.scale.min}..${ind.scale.max})`);
    if (ind.kind === "mean" && ind.items.length !== 1)
      fail(`${at}.items`, `a mean takes one item (mean_of_items takes several), found ${ind.items.length}`);
    if (ind.kind === "multi_share") {
      const first = latest.item(ind.items[0]!);
      if (ind.items.length === 1 && first?.type !== "select_multiple")
        fail(
          `${at}.items`,
          `a multi_share takes one select_multiple item, or one item per option; ${ind.items[0]} is ${first?.type}`,
        );
    }
    if (ind.population !== undefined) {
      let refs: string[] = [];
      try {
        refs = referencedItems(parseExpression(ind.population));
      } catch (error) {
        fail(`${at}.population`, `${(error as Error).message} (${JSON.stringify(ind.population)})`);
      }
      for (const r of refs) requireItem(r, `${at}.population`);
    }
  });

  const figures = scoreDefinitions(def, latest).filter((s) => s.aspect === "");
  const measured = new Set(figures.map((s) => s.index_id));
  for (const [k, c] of compositesOf(def).entries()) {
    const at = def.composite && k === 0 ? "composite" : `composites[${k - (def.composite ? 1 : 0)}]`;
    const weights = Object.entries(c.weights);
    if (weights.length === 0) fail(`${at}.weights`, "a composite needs at least one weight");
    for (const [id] of weights)
      if (!measured.has(id))
        fail(
          `${at}.weights`,
          `unknown indicator ${JSON.stringify(id)} (known: ${[...measured].join(", ") || "none"})`,
        );
    const sum = weights.reduce((a, [, w]) => a + w, 0);
    if (Math.abs(sum - 1) > 1e-9) fail(`${at}.weights`, `weights must sum to 1, they sum to ${sum}`);
  }
  const ids = compositesOf(def).map((c) => c.id);
  if (new Set(ids).size !== ids.length) fail("composites", `two composites share an id (${ids.join(", ")})`);
}
