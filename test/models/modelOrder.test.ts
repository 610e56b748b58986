import { describe, expect, it } from "vitest";
import { allModels, type Model } from "../../models/index.ts";

// The order a run may build the models in, from their declared dependencies (the runner starts
// each model when every model it depends on or runs after is built).

function upstream(models: Model[], name: string): Set<string> {
  const byName = new Map(models.map((m) => [m.name, m]));
  const seen = new Set<string>();
  const visit = (n: string) => {
    for (const d of [...byName.get(n)!.dependsOn, ...byName.get(n)!.runsAfter])
      if (!seen.has(d)) {
        seen.add(d);
        visit(d);
      }
  };
  visit(name);
  return seen;
}

describe("model order", () => {
  it("the small-area models start after the units' index figures, not after the demographic groups'", async () => {
    const models = await allModels();
    const sae = upstream(models, "sae_estimates");
    expect(sae.has("int_unit_estimates")).toBe(true);
    expect(sae.has("index_estimates")).toBe(false);
    // index_estimates holds the units' rows beside the groups': it is built after them
    expect(upstream(models, "index_estimates").has("int_unit_estimates")).toBe(true);
    // what reads every figure (groups too) still waits for index_estimates
    expect(upstream(models, "published_scores").has("index_estimates")).toBe(true);
  });
});
